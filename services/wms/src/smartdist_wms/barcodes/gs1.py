"""GS1 element strings (GS1-128, GS1 DataMatrix, GS1 QR) as a keyboard-wedge scanner types them.

A scan is a run of Application Identifiers (AI) and values. Fixed-length AIs (01 GTIN, 15 best
before, 17 expiry ...) need no separator; a variable-length one (10 lot, 21 serial ...) ends at the
FNC1 separator, which scanners send as ASCII 29 (GS), or at the end. A symbology identifier
(``]C1``, ``]d2``, ``]Q3``) may lead, and people type the human-readable form ``(01)...(10)...``.
Dates are YYMMDD; day 00 means the month's last day (GS1 General Specifications 7.12).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date

GS = "\x1d"
SYMBOLOGY_IDS = ("]C1", "]e0", "]d2", "]Q3", "]J1")
# AI -> (fixed length of the value or None for variable, longest value)
AIS: dict[str, tuple[int | None, int]] = {
    "00": (18, 18),  # SSCC
    "01": (14, 14),  # GTIN
    "02": (14, 14),  # GTIN of contained items
    "10": (None, 20),  # batch / lot
    "11": (6, 6),  # production date
    "13": (6, 6),  # packaging date
    "15": (6, 6),  # best before
    "17": (6, 6),  # expiry
    "21": (None, 20),  # serial
    "30": (None, 8),  # variable count
    "37": (None, 8),  # count of trade items
}
DATE_AIS = {"11", "13", "15", "17"}
_HUMAN = re.compile(r"\((\d{2,4})\)([^()]*)")


class GS1Error(ValueError):
    """A scan that is not a GS1 element string this warehouse reads."""


@dataclass(frozen=True)
class GS1Data:
    gtin: str | None = None
    lot: str | None = None
    best_before: date | None = None
    expiry: date | None = None
    serial: str | None = None
    count: int | None = None
    ais: dict[str, str] = field(default_factory=dict)

    @property
    def use_by(self) -> date | None:
        """The date stock rotation goes by: expiry when given, else best before."""
        return self.expiry or self.best_before


def gtin_check_digit_ok(gtin: str) -> bool:
    if not gtin.isdigit() or len(gtin) not in (8, 12, 13, 14):
        return False
    digits = [int(d) for d in gtin]
    body, check = digits[:-1], digits[-1]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def gs1_date(value: str, today: date) -> date:
    """YYMMDD with the GS1 century rule around ``today``; day 00 is the month's last day."""
    if not (len(value) == 6 and value.isdigit()):
        raise GS1Error(f"date {value!r} is not YYMMDD")
    yy, mm, dd = int(value[:2]), int(value[2:4]), int(value[4:])
    if not 1 <= mm <= 12:
        raise GS1Error(f"date {value!r} has month {mm}")
    current = today.year % 100
    century = today.year - current
    diff = yy - current
    if diff >= 51:
        century -= 100
    elif diff <= -50:
        century += 100
    year = century + yy
    last = calendar.monthrange(year, mm)[1]
    if dd == 0:
        dd = last
    if dd > last:
        raise GS1Error(f"date {value!r} has day {dd}")
    return date(year, mm, dd)


def looks_like_gs1(scan: str) -> bool:
    text = scan.strip()
    return (
        text.startswith(SYMBOLOGY_IDS)
        or text.startswith("(")
        or GS in text
        or (len(text) > 16 and text[:2] in AIS and text.isascii())
    )


def _element_pairs(scan: str) -> list[tuple[str, str]]:
    text = scan.strip().replace("\\x1d", GS).replace("<GS>", GS)
    for prefix in SYMBOLOGY_IDS:
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    if text.startswith("("):
        bracketed = _HUMAN.findall(text)
        if not bracketed or "".join(f"({a}){v}" for a, v in bracketed) != text:
            raise GS1Error("the bracketed form must be (AI)value(AI)value...")
        return [(ai, value) for ai, value in bracketed]
    pairs: list[tuple[str, str]] = []
    i = 0
    while i < len(text):
        if text[i] == GS:
            i += 1
            continue
        ai = text[i : i + 2]
        if ai not in AIS:
            raise GS1Error(f"unknown application identifier {ai!r} at position {i}")
        fixed, longest = AIS[ai]
        i += 2
        if fixed is not None:
            value = text[i : i + fixed]
            if len(value) != fixed:
                raise GS1Error(f"AI ({ai}) needs {fixed} characters, got {len(value)}")
            i += fixed
        else:
            end = text.find(GS, i)
            end = len(text) if end == -1 else end
            value = text[i:end]
            if not 1 <= len(value) <= longest:
                raise GS1Error(f"AI ({ai}) takes 1 to {longest} characters, got {len(value)}")
            i = end
        pairs.append((ai, value))
    return pairs


def parse_gs1(scan: str, today: date) -> GS1Data:
    """The GTIN, lot, dates, serial and count a GS1 scan carries, or ``GS1Error`` saying why not."""
    pairs = _element_pairs(scan)
    if not pairs:
        raise GS1Error("empty scan")
    ais: dict[str, str] = {}
    for ai, value in pairs:
        if ai not in AIS:
            raise GS1Error(f"unknown application identifier ({ai})")
        fixed, longest = AIS[ai]
        if (fixed is not None and len(value) != fixed) or not 1 <= len(value) <= longest:
            raise GS1Error(f"AI ({ai}) value {value!r} has the wrong length")
        if ai in ais and ais[ai] != value:
            raise GS1Error(f"AI ({ai}) appears twice with different values")
        ais[ai] = value
    gtin = ais.get("01") or ais.get("02")
    if gtin is not None and not gtin_check_digit_ok(gtin):
        raise GS1Error(f"GTIN {gtin} has a wrong check digit")
    count_text = ais.get("30") or ais.get("37")
    if count_text is not None and not count_text.isdigit():
        raise GS1Error(f"count {count_text!r} is not a number")
    return GS1Data(
        gtin=gtin,
        lot=ais.get("10"),
        best_before=gs1_date(ais["15"], today) if "15" in ais else None,
        expiry=gs1_date(ais["17"], today) if "17" in ais else None,
        serial=ais.get("21"),
        count=int(count_text) if count_text is not None else None,
        ais=ais,
    )


def gtin14(code: str) -> str | None:
    """A product barcode (EAN-8/UPC-A/EAN-13/GTIN-14) as the GTIN-14 a GS1 scan carries."""
    text = code.strip()
    return text.zfill(14) if text.isdigit() and len(text) in (8, 12, 13, 14) else None
