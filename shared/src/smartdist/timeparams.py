"""Query-string times: RFC 3339 with offset, or a plain date taken in the merchant's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from smartdist.problems import Unprocessable

TAIPEI = ZoneInfo("Asia/Taipei")


def parse_bound(value: str | None, field: str, *, end: bool = False) -> datetime | None:
    """``from``/``to`` bounds; a date ``to=2026-11-30`` includes the whole of that day."""
    if value is None or value == "":
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            if end:
                day += timedelta(days=1)
            moment = datetime.combine(day, time.min, TAIPEI)
        else:
            # RFC 3339 allows a lower-case 't'/'z' and a leap second, which fromisoformat does not.
            normalised = value.upper().replace("Z", "+00:00").replace(":60", ":59")
            moment = datetime.fromisoformat(normalised)
    except (ValueError, OverflowError):
        raise Unprocessable(
            f"{field}: '{value}' is neither a date (YYYY-MM-DD) nor an RFC 3339 time",
            code="time.invalid",
            params={"field": field, "value": value},
            errors=[
                {
                    "loc": ["query", field],
                    "code": "time.invalid",
                    "params": {"field": field, "value": value},
                    "message": "invalid date or time",
                }
            ],
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=TAIPEI)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        # 0001-01-01 in Taipei lies before the first representable UTC instant (and 9999-12-31
        # after the last): such a bound means "from the beginning" / "to the end".
        return datetime.min.replace(tzinfo=UTC) if moment.year < 2 else datetime.max.replace(tzinfo=UTC)
