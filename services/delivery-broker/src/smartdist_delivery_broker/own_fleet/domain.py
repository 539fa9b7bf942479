"""The own fleet's terms and its answer to a quote: pure rules, no database.

The merchant's own drivers are paid by the merchant, so the fee is the merchant's own cost per
delivery (a flat TWD figure it enters), not the programme's schedule; the trip is available
when it is within the fleet's reach, carries COD only if the fleet collects cash, and starts
within the fleet's service hours (Asia/Taipei).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from smartdist_delivery_broker.pricing import FeeQuote, Reason, reason_text

PROVIDER = "own_fleet"
TAIPEI = ZoneInfo("Asia/Taipei")
# The dispatch order made for a booking is numbered from the delivery number: a redelivered
# delivery.requested finds its order already there, and dispatch events name our delivery.
DISPATCH_ORDER_PREFIX = "BRK-"
_CLOCK = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


def dispatch_order_no(delivery_no: str) -> str:
    return DISPATCH_ORDER_PREFIX + delivery_no


def is_broker_order(order_no: object) -> bool:
    return isinstance(order_no, str) and order_no.startswith(DISPATCH_ORDER_PREFIX)


def clock_time(value: str) -> time:
    """ "HH:MM" (24 h) -> time; ValueError otherwise."""
    if not _CLOCK.match(value):
        raise ValueError(f"{value!r} is not a 24-hour HH:MM time")
    return time(int(value[:2]), int(value[3:]))


@dataclass(frozen=True)
class OwnFleetTerms:
    enabled: bool
    fee_twd: int
    max_distance_m: int | None = None
    cod_allowed: bool = True
    service_start: str = "09:00"
    service_end: str = "21:00"

    def in_service(self, at: datetime) -> bool:
        """Whether `at` falls in the service hours; an end before the start runs past midnight."""
        local = at.astimezone(TAIPEI).time()
        start, end = clock_time(self.service_start), clock_time(self.service_end)
        if start == end:
            return True  # round the clock
        if start < end:
            return start <= local < end
        return local >= start or local < end


def own_fleet_fee(terms: OwnFleetTerms, distance_m: int, cod_amount: int, pickup_at: datetime) -> FeeQuote:
    """The own fleet's fee for one trip and whether it can take it (every reason that applies)."""
    reasons = []
    if terms.max_distance_m is not None and distance_m > terms.max_distance_m:
        reasons.append(
            Reason(
                "own_fleet.reach",
                {"distance_m": distance_m, "limit_m": terms.max_distance_m},
                f"trip of {distance_m} m is over the own fleet's reach of {terms.max_distance_m} m",
            )
        )
    if cod_amount > 0 and not terms.cod_allowed:
        reasons.append(Reason("own_fleet.no_cod", {}, "the own fleet does not collect cash on delivery"))
    if not terms.in_service(pickup_at):
        local = pickup_at.astimezone(TAIPEI)
        params = {"pickup": f"{local:%H:%M}", "start": terms.service_start, "end": terms.service_end}
        reasons.append(
            Reason(
                "own_fleet.hours",
                params,
                f"pickup at {local:%H:%M} is outside the own fleet's service hours "
                f"{terms.service_start}–{terms.service_end}",
            )
        )
    return FeeQuote(
        provider=PROVIDER,
        distance_m=distance_m,
        fee=terms.fee_twd,
        fee_breakdown={"base": terms.fee_twd, "distance": 0, "cod": 0},
        available=not reasons,
        reason=reason_text(reasons),
        reasons=tuple(reasons),
    )


class CancelRequestHolder(Protocol):
    """The cancel-request fields of a delivery (the order row)."""

    cancel_requested_at: datetime | None
    cancel_answered_at: datetime | None
    cancel_refusal: str | None


def cancel_pending(order: CancelRequestHolder) -> bool:
    """A cancellation request is out to dispatch and not answered yet."""
    return order.cancel_requested_at is not None and order.cancel_answered_at is None


def answers_this_request(order: CancelRequestHolder, data: dict[str, Any]) -> bool:
    """An answer belongs to the open request when it echoes its time (or names none)."""
    if order.cancel_requested_at is None:
        return False
    echoed = data.get("requested_at")
    if not isinstance(echoed, str) or not echoed:
        return True
    try:
        return datetime.fromisoformat(echoed) == order.cancel_requested_at
    except ValueError:
        return True


def note_cancelled(order: CancelRequestHolder, data: dict[str, Any], at: datetime) -> None:
    """Dispatch cancelled the order: the open request (if any) is answered."""
    if cancel_pending(order) and answers_this_request(order, data):
        order.cancel_answered_at, order.cancel_refusal = at, None


def note_refusal(order: CancelRequestHolder, data: dict[str, Any], at: datetime) -> bool:
    """Dispatch refused: keep the reason on the open request; False for an answer to no open request."""
    if not cancel_pending(order) or not answers_this_request(order, data):
        return False
    order.cancel_answered_at = at
    order.cancel_refusal = str(data.get("reason") or "refused by dispatch")[:300]
    return True
