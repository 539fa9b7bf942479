"""Pure rules of reservations: pickup codes, fees, idempotency keys per consumer, the errors."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime
from decimal import Decimal

from smartdist.problems import Conflict, Forbidden, NotFound, Problem, Unprocessable
from smartdist_surplus_market.listings.domain import round_half_up

PICKUP_CODE_DIGITS = 6
QR_PREFIX = "SM1"


def new_pickup_code() -> str:
    return f"{secrets.randbelow(10**PICKUP_CODE_DIGITS):0{PICKUP_CODE_DIGITS}d}"


def code_matches(expected: str, given: str) -> bool:
    """Accepts the bare code or the QR text ``SM1:<reservation>:<code>``; constant time."""
    given = given.strip()
    if given.startswith(QR_PREFIX + ":"):
        given = given.rsplit(":", 1)[-1]
    return hmac.compare_digest(expected.encode(), given.encode())


def qr_text(reservation_id: str, code: str) -> str:
    return f"{QR_PREFIX}:{reservation_id}:{code}"


def service_fee(amount: int, percent: float, minimum: int) -> int:
    """The platform's fee on one transaction: percent of it rounded half up, at least the minimum, at most all."""
    fee = round_half_up(Decimal(amount) * Decimal(str(percent)) / Decimal(100))
    return min(amount, max(fee, minimum if amount > 0 else 0))


def consumer_idempotency_key(consumer_id: str, key: str) -> str:
    """Keys are the consumer's own: two consumers choosing the same key never see each other's answer."""
    return "consumer:" + hashlib.sha256(f"{consumer_id}\n{key}".encode()).hexdigest()


def consumer_may_cancel(pickup_start: datetime | None, now: datetime) -> bool:
    """A consumer cancels up to the start of the pickup window; the seller any time before pickup."""
    return pickup_start is None or now < pickup_start


class ReservationNotFound(NotFound):
    title = "Reservation not found"


class NotEnoughLeft(Conflict):
    title = "Fewer items are left than asked for"


class ReservationStateConflict(Conflict):
    title = "Reservation is not in a state that allows this"


class WrongPickupCode(Unprocessable):
    title = "Wrong pickup code"


class NotYourReservation(Forbidden):
    title = "Not your reservation"


class PaymentRefused(Problem):
    status = 402
    title = "Payment not authorised"
