"""Use cases of reservations: reserve (never oversold), pick up, cancel, no-show, rate.

Rules (documented in the README):
- a reservation takes its units with one conditional UPDATE and authorises the payment in the
  same transaction; a refused authorisation rolls both back, so the units are on sale again;
- pickup with the right code captures the payment;
- the consumer may cancel until the pickup window starts, the seller until pickup; the
  authorisation is voided and the units return to sale unless the listing has expired;
- a reservation not picked up by the end of its pickup window (or best-before when the listing
  has no window) becomes ``no_show``: while the listing is still before best-before the units
  return to sale and the payment is voided; after best-before nothing returns (the goods are
  lost) and the payment is captured.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartdist.auth.tokens import TokenSigner
from smartdist.bus.outbox import publish
from smartdist.db import SYSTEM_KEY, TENANT_KEY, Database, utcnow
from smartdist.jobs import submit_job
from smartdist.kpi import record
from smartdist.problems import Unprocessable
from smartdist_surplus_market.adapters.delivery_broker import (
    Booking,
    BookingFailed,
    DeliveryBroker,
    DeliveryRequest,
    HttpDeliveryBroker,
    Party,
    Place,
    SandboxDeliveryBroker,
)
from smartdist_surplus_market.adapters.payments import HttpPayments, PaymentProvider, SandboxPayments
from smartdist_surplus_market.config import get_settings
from smartdist_surplus_market.listings.domain import ListingNotFound, ListingNotReservable, is_expired
from smartdist_surplus_market.listings.models import Listing
from smartdist_surplus_market.listings.service import current_price, give_back_units, take_units
from smartdist_surplus_market.reservations.domain import (
    NotEnoughLeft,
    PaymentRefused,
    ReservationNotFound,
    ReservationStateConflict,
    WrongPickupCode,
    code_matches,
    consumer_may_cancel,
    new_pickup_code,
    qr_text,
    service_fee,
)
from smartdist_surplus_market.reservations.models import Reservation
from smartdist_surplus_market.reservations.schemas import (
    DeliveryIn,
    DeliveryOut,
    ListingBrief,
    ReservationOut,
)
from smartdist_surplus_market.sellers.service import default_name, names_of, seller_of

SERVICE = "surplus-market"
ORDER = "marketplace_order"
ORDER_RESERVED = "smartdist.surplus-market.order.reserved"
ORDER_PICKED_UP = "smartdist.surplus-market.order.picked_up"
ORDER_CANCELLED = "smartdist.surplus-market.order.cancelled"
ORDER_DELIVERED = "smartdist.surplus-market.order.delivered"


@lru_cache
def payments() -> PaymentProvider:
    settings = get_settings()
    if settings.payment_provider == "gateway":
        return HttpPayments(settings.payment_gateway_url, settings.payment_gateway_key)
    return SandboxPayments()


def enter_tenant(session: Session, tenant_id: str) -> None:
    """Narrow a system session (public and consumer endpoints) to the merchant the request turned
    out to concern: from here on every query and write is that tenant's only."""
    session.info.pop(SYSTEM_KEY, None)
    session.info[TENANT_KEY] = tenant_id


def listing_for_consumer(session: Session, listing_id: str) -> Listing:
    """The listing a consumer names, found across merchants; the session then acts as its tenant."""
    listing = session.get(Listing, listing_id)
    if listing is None or listing.status == "draft":
        raise ListingNotFound(f"No listing {listing_id}.", code="surplus.listing.not_found", params={"id": listing_id})
    enter_tenant(session, listing.tenant_id)
    return listing


def reservation_out(
    reservation: Reservation, listing: Listing | None, *, for_consumer: bool, seller_name: str = ""
) -> ReservationOut:
    window = (
        (reservation.pickup_start, reservation.pickup_end)
        if reservation.pickup_start and reservation.pickup_end
        else None
    )
    delivery = None
    if reservation.delivery is not None:
        d = reservation.delivery
        delivery = DeliveryOut(
            provider=d.get("provider"),
            status=str(d.get("status", "requested")),
            delivery_id=d.get("delivery_id"),
            fee=d.get("fee"),
            dropoff=d.get("dropoff"),
            contact=d.get("contact"),
            error=d.get("error"),
            attempts=reservation.delivery_attempts or 0,
            next_attempt_at=reservation.delivery_retry_at if reservation.delivery_id is None else None,
        )
    brief = None
    if listing is not None:
        brief = ListingBrief(
            id=listing.id, title=listing.title, unit=listing.unit, seller_id=listing.tenant_id, address=listing.address
        )
    open_code = for_consumer and reservation.status == "reserved"
    return ReservationOut(
        id=reservation.id,
        status=reservation.status,
        amount=reservation.amount,
        pickup_code=reservation.pickup_code if for_consumer else None,
        qr_text=qr_text(reservation.id, reservation.pickup_code) if open_code else None,
        listing_id=reservation.listing_id,
        quantity=reservation.quantity,
        unit_price=reservation.unit_price,
        service_fee=None if for_consumer else reservation.service_fee,
        payout=None if for_consumer else reservation.amount - reservation.service_fee,
        payment_status=reservation.payment_status,
        pickup_window=window,
        delivery=delivery,
        listing=brief,
        consumer_name=None if for_consumer else reservation.consumer_name,
        rating=reservation.rating,
        created_at=reservation.created_at,
        closed_at=reservation.closed_at,
    )


def out(session: Session, reservation: Reservation, *, for_consumer: bool) -> ReservationOut:
    listing = session.get(Listing, reservation.listing_id)
    return reservation_out(reservation, listing, for_consumer=for_consumer)


def _kpi(session: Session, reservation: Reservation, listing: Listing | None, status: str, **extra: Any) -> None:
    received = reservation.closed_at if status in ("picked_up", "delivered") else None
    weight = (listing.weight_kg if listing else 0.0) * reservation.quantity
    record(
        session,
        service=SERVICE,
        doc_type=ORDER,
        doc_no=reservation.id,
        status=status,
        sender=reservation.tenant_id,
        receiver=reservation.consumer_id,
        sent_at=reservation.created_at,
        received_at=received,
        amount_twd=reservation.amount,
        quantity=reservation.quantity,
        tenant_id=reservation.tenant_id,
        weight_kg=round(weight, 3),
        service_fee_twd=reservation.service_fee,
        listing_id=reservation.listing_id,
        **extra,
    )


def _event_data(reservation: Reservation, listing: Listing | None) -> dict[str, Any]:
    return {
        "id": reservation.id,
        "listing_id": reservation.listing_id,
        "quantity": reservation.quantity,
        "amount": reservation.amount,
        "status": reservation.status,
        "unit": listing.unit if listing else None,
        "title": listing.title if listing else None,
        "source": listing.source if listing else None,
        "delivery": reservation.delivery,
    }


def reserve(
    session: Session,
    listing: Listing,
    *,
    consumer_id: str,
    consumer_name: str,
    quantity: int,
    payment_token: str,
    delivery: DeliveryIn | None,
    now: datetime | None = None,
) -> Reservation:
    now = now or utcnow()
    if is_expired(listing.best_before, now) or listing.status != "published":
        raise ListingNotReservable(
            f"listing {listing.id} is no longer on offer", code="surplus.listing.gone", params={"id": listing.id}
        )
    if delivery is not None and listing.mode != "supplier":
        raise Unprocessable(
            "home delivery is for supplier listings; store listings are picked up",
            code="surplus.reservation.delivery_store",
            errors=[
                {"loc": ["body", "delivery"], "message": "only for supplier listings", "code": "surplus.delivery_store"}
            ],
        )
    price = current_price(listing, now)
    assert price is not None  # published listings always have a list price
    if not take_units(session, listing.id, quantity, now):
        session.refresh(listing, ["quantity", "status", "best_before"])
        if is_expired(listing.best_before, now) or listing.status != "published":
            raise ListingNotReservable(
                f"listing {listing.id} is no longer on offer", code="surplus.listing.gone", params={"id": listing.id}
            )
        raise NotEnoughLeft(
            f"only {listing.quantity} {listing.unit} left; nothing was reserved",
            code="surplus.reservation.not_enough",
            params={"left": listing.quantity, "unit": listing.unit},
            errors=[
                {
                    "loc": ["body", "quantity"],
                    "message": f"only {listing.quantity} left",
                    "code": "surplus.not_enough",
                    "params": {"left": listing.quantity},
                }
            ],
            left=listing.quantity,
        )
    amount = price * quantity
    settings = get_settings()
    reservation = Reservation(
        tenant_id=listing.tenant_id,
        listing_id=listing.id,
        consumer_id=consumer_id,
        consumer_name=consumer_name,
        quantity=quantity,
        unit_price=price,
        amount=amount,
        service_fee=service_fee(amount, settings.service_fee_percent, settings.service_fee_min_twd),
        pickup_code=new_pickup_code(),
        status="reserved",
        pickup_start=listing.pickup_start or now,
        pickup_end=listing.pickup_end or listing.best_before,
        created_at=now,
    )
    provider = payments()
    authorisation = provider.authorise(amount_twd=amount, token=payment_token, reference=reservation.id)
    if not authorisation.approved:
        # Raising rolls the transaction back: the units taken above are on sale again.
        raise PaymentRefused(
            f"the payment was not authorised: {authorisation.reason}; nothing was reserved",
            code="surplus.payment.refused",
            params={"reason": authorisation.reason},
        )
    reservation.payment_provider, reservation.payment_ref = provider.name, authorisation.reference
    reservation.payment_status = "authorised"
    if delivery is not None:
        reservation.delivery = {
            "status": "requested",
            "provider": None,
            "dropoff": delivery.dropoff.model_dump(),
            "contact": delivery.contact.model_dump() if delivery.contact else None,
        }
    session.add(reservation)
    session.flush()
    _kpi(session, reservation, listing, "reserved")
    publish(
        session,
        type=ORDER_RESERVED,
        subject=reservation.id,
        tenant_id=reservation.tenant_id,
        data=_event_data(reservation, listing),
    )
    return reservation


def get_reservation(session: Session, reservation_id: str) -> Reservation:
    reservation = session.get(Reservation, reservation_id)
    if reservation is None:
        raise ReservationNotFound(
            f"No reservation {reservation_id}.", code="surplus.reservation.not_found", params={"id": reservation_id}
        )
    return reservation


def consumers_reservation(session: Session, reservation_id: str, consumer_id: str) -> Reservation:
    """A consumer's own reservation (any merchant's); the session then acts as that merchant."""
    reservation = session.get(Reservation, reservation_id)
    if reservation is None or reservation.consumer_id != consumer_id:
        raise ReservationNotFound(
            f"No reservation {reservation_id}.", code="surplus.reservation.not_found", params={"id": reservation_id}
        )
    enter_tenant(session, reservation.tenant_id)
    return reservation


def pick_up(session: Session, reservation_id: str, code: str, *, now: datetime | None = None) -> Reservation:
    now = now or utcnow()
    reservation = get_reservation(session, reservation_id)
    settle_if_overdue(session, reservation, now)
    if reservation.status != "reserved":
        raise ReservationStateConflict(
            f"reservation {reservation_id} is {reservation.status}",
            code="surplus.reservation.state",
            params={"id": reservation_id, "status": reservation.status},
        )
    if reservation.delivery is not None:
        raise ReservationStateConflict(
            f"reservation {reservation_id} goes by courier, not pickup", code="surplus.reservation.by_courier"
        )
    if not code_matches(reservation.pickup_code, code):
        raise WrongPickupCode(
            "this is not the reservation's pickup code",
            code="surplus.reservation.wrong_code",
            errors=[{"loc": ["body", "pickup_code"], "message": "wrong code", "code": "surplus.wrong_code"}],
        )
    return _complete(session, reservation, "picked_up", now)


def _complete(session: Session, reservation: Reservation, status: str, now: datetime) -> Reservation:
    payments().capture(reservation.payment_ref, reservation.amount)
    reservation.payment_status = "captured"
    reservation.status = status
    reservation.closed_at = now
    session.flush()
    listing = session.get(Listing, reservation.listing_id)
    _kpi(session, reservation, listing, status)
    publish(
        session,
        type=ORDER_PICKED_UP if status == "picked_up" else ORDER_DELIVERED,
        subject=reservation.id,
        tenant_id=reservation.tenant_id,
        data=_event_data(reservation, listing),
    )
    return reservation


def mark_delivered(session: Session, reservation: Reservation, now: datetime | None = None) -> Reservation:
    if reservation.status != "reserved":
        return reservation
    return _complete(session, reservation, "delivered", now or utcnow())


def cancel(
    session: Session, reservation: Reservation, *, by: str, reason: str = "", now: datetime | None = None
) -> Reservation:
    """``by`` is ``consumer`` or ``seller``; see the module's rules."""
    now = now or utcnow()
    settle_if_overdue(session, reservation, now)
    if reservation.status != "reserved":
        raise ReservationStateConflict(
            f"reservation {reservation.id} is {reservation.status}",
            code="surplus.reservation.state",
            params={"id": reservation.id, "status": reservation.status},
        )
    if by == "consumer" and not consumer_may_cancel(reservation.pickup_start, now):
        raise ReservationStateConflict(
            "the pickup window has started; ask the store to cancel", code="surplus.reservation.window_started"
        )
    payments().void(reservation.payment_ref)
    reservation.payment_status = "voided"
    reservation.status = "cancelled"
    reservation.cancelled_by = by
    reservation.closed_at = now
    give_back_units(session, reservation.listing_id, reservation.quantity, now)
    session.flush()
    listing = session.get(Listing, reservation.listing_id)
    _kpi(session, reservation, listing, "cancelled", cancelled_by=by, reason=reason)
    publish(
        session,
        type=ORDER_CANCELLED,
        subject=reservation.id,
        tenant_id=reservation.tenant_id,
        data=_event_data(reservation, listing),
    )
    return reservation


def settle_if_overdue(session: Session, reservation: Reservation, now: datetime) -> bool:
    """Turn a reservation past its pickup window into a no-show (see the module's rules)."""
    if reservation.status != "reserved" or reservation.delivery is not None:
        return False
    if reservation.pickup_end is None or now < reservation.pickup_end:
        return False
    returned = give_back_units(session, reservation.listing_id, reservation.quantity, now)
    if returned:
        payments().void(reservation.payment_ref)
        reservation.payment_status = "voided"
    else:
        payments().capture(reservation.payment_ref, reservation.amount)
        reservation.payment_status = "captured"
    reservation.status = "no_show"
    reservation.closed_at = now
    session.flush()
    _kpi(session, reservation, session.get(Listing, reservation.listing_id), "no_show", units_returned=returned)
    return True


def settle_no_shows(session: Session, now: datetime | None = None, *, limit: int = 500) -> int:
    """Every overdue reservation the session can see (one tenant's, or all in a system session)."""
    now = now or utcnow()
    overdue = session.scalars(
        select(Reservation)
        .where(Reservation.status == "reserved", Reservation.pickup_end <= now, Reservation.delivery_id.is_(None))
        .order_by(Reservation.pickup_end)
        .limit(limit)
    ).all()
    return sum(settle_if_overdue(session, r, now) for r in overdue)


def rate(session: Session, reservation: Reservation, stars: int, comment: str) -> Reservation:
    if reservation.status not in ("picked_up", "delivered"):
        raise ReservationStateConflict(
            "only a collected or delivered order can be rated", code="surplus.reservation.not_collected"
        )
    if reservation.rating is not None:
        raise ReservationStateConflict("this order has been rated already", code="surplus.reservation.rated")
    reservation.rating, reservation.rating_comment = stars, comment
    session.flush()
    return reservation


def staff_reservations(
    session: Session,
    *,
    status: str | None,
    listing_id: str | None,
    pickup_day: tuple[datetime, datetime] | None,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[Reservation], str | None]:
    settle_no_shows(session)
    stmt = select(Reservation)
    if status:
        stmt = stmt.where(Reservation.status == status)
    if listing_id:
        stmt = stmt.where(Reservation.listing_id == listing_id)
    if pickup_day:
        stmt = stmt.where(Reservation.pickup_end >= pickup_day[0], Reservation.pickup_start < pickup_day[1])
    return _page(session, stmt, limit, cursor)


def consumer_reservations(
    session: Session, consumer_id: str, *, limit: int, cursor: str | None
) -> tuple[Sequence[Reservation], str | None]:
    return _page(session, select(Reservation).where(Reservation.consumer_id == consumer_id), limit, cursor)


def _page(session: Session, stmt: Any, limit: int, cursor: str | None) -> tuple[Sequence[Reservation], str | None]:
    if cursor:
        stmt = stmt.where(Reservation.id < cursor)
    rows = session.scalars(stmt.order_by(Reservation.id.desc()).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if more and rows else None)


def listings_of(session: Session, reservations: Sequence[Reservation]) -> dict[str, Listing]:
    ids = sorted({r.listing_id for r in reservations})
    if not ids:
        return {}
    return {row.id: row for row in session.scalars(select(Listing).where(Listing.id.in_(ids)))}


def seller_names(session: Session, reservations: Sequence[Reservation]) -> dict[str, str]:
    return names_of(session, (r.tenant_id for r in reservations))


_SANDBOX_BROKER = SandboxDeliveryBroker()
DELIVERY_RANK = {
    "requested": 0,
    "pending": 1,
    "assigned": 2,
    "picked_up": 3,
    "delivered": 4,
    "cancelled": 4,
    "failed": 4,
    "returned": 5,
}


def delivery_broker(session: Session, base_hint: str | None = None) -> DeliveryBroker:
    """Which broker books couriers (see the ``delivery_broker_url`` setting)."""
    settings = get_settings()
    runtime = session.info.get("smartdist.runtime")
    url = settings.delivery_broker_url
    if url in ("", "auto"):
        known = runtime.settings.service_urls.get("delivery-broker") if runtime is not None else None
        url = known or base_hint or "sandbox"
    if url == "sandbox":
        return _SANDBOX_BROKER

    def token_for(tenant_id: str) -> str:
        if settings.delivery_broker_token:
            return settings.delivery_broker_token
        if runtime is None or runtime.keys.private_pem is None:
            raise BookingFailed("no token for the delivery broker: set SMARTDIST_SURPLUS_MARKET_DELIVERY_BROKER_TOKEN")
        token, _ = TokenSigner(runtime.keys.private_pem).issue(
            kind="service", subject="surplus-market", tenant_id=tenant_id, roles=["integrator"], ttl_s=300
        )
        return token

    return HttpDeliveryBroker(url, token_for)


BOOK_DELIVERY = "surplus-market.book_delivery"
BOOKABLE = ("requested", "failed")


def queue_delivery_booking(
    session: Session, reservation: Reservation, *, base_hint: str | None = None, now: datetime | None = None
) -> str | None:
    """Supplier mode: book the courier once the reservation has committed (a job in its transaction).

    The job row commits with the reservation, so the booking cannot be forgotten; should the job
    itself be lost, ``delivery_retry_at`` makes the retry loop book it a little later."""
    if reservation.delivery is None or reservation.delivery_id is not None:
        return None
    now = now or utcnow()
    if base_hint:
        reservation.delivery = {**reservation.delivery, "broker_hint": base_hint}
    reservation.delivery_retry_at = now + timedelta(seconds=get_settings().delivery_retry_s * 2)
    session.flush()
    return submit_job(session, BOOK_DELIVERY, {"reservation_id": reservation.id}, created_by=SERVICE)


def _booking_due(reservation: Reservation | None) -> bool:
    return (
        reservation is not None
        and reservation.status == "reserved"
        and reservation.delivery is not None
        and reservation.delivery_id is None
        and str(reservation.delivery.get("status", "requested")) in BOOKABLE
    )


def _delivery_request(session: Session, reservation: Reservation, listing: Listing) -> DeliveryRequest:
    wanted = dict(reservation.delivery or {})
    seller = seller_of(session, listing.tenant_id)
    contact = wanted.get("contact") or {}
    fallback_phone = seller.phone or get_settings().delivery_contact_phone
    dropoff = wanted["dropoff"]
    return DeliveryRequest(
        tenant_id=reservation.tenant_id,
        reference=reservation.id,
        pickup=Place(float(listing.lat or 0), float(listing.lng or 0), listing.address or seller.address),
        dropoff=Place(float(dropoff["lat"]), float(dropoff["lng"]), str(dropoff.get("address") or "")),
        pickup_contact=Party(seller.name or default_name(listing.tenant_id), fallback_phone),
        dropoff_contact=Party(
            str(contact.get("name") or reservation.consumer_name or "customer"),
            str(contact.get("phone") or fallback_phone),
        ),
        goods_value=reservation.amount,
        description=f"{listing.title} x {reservation.quantity} {listing.unit}",
    )


def book_delivery_after_commit(
    database: Database, tenant_id: str, reservation_id: str, *, now: datetime | None = None
) -> dict[str, Any]:
    """The job's body: read what to book, call the broker with no transaction open, write the answer.

    A failed booking stays visible on the reservation (``delivery.status = "failed"``, the reason,
    the attempts) and is tried again after a growing pause, up to ``delivery_max_attempts``; the
    seller may retry at once or cancel (the payment is then voided). The reservation's units stay
    taken throughout, so nothing is ever sold twice."""
    with database.tenant_transaction(tenant_id, read_only=True) as session:
        reservation = session.get(Reservation, reservation_id)
        if reservation is None or not _booking_due(reservation):
            return {"reservation_id": reservation_id, "booked": False, "reason": "nothing to book"}
        listing = session.get(Listing, reservation.listing_id)
        if listing is None:
            return {"reservation_id": reservation_id, "booked": False, "reason": "listing gone"}
        request = _delivery_request(session, reservation, listing)
        broker = delivery_broker(session, (reservation.delivery or {}).get("broker_hint"))
    booking: Booking | None = None
    error = ""
    try:
        booking = broker.book(request)  # HTTP: outside every transaction of ours
    except BookingFailed as exc:
        error = str(exc)[:500]
    with database.tenant_transaction(tenant_id) as session:
        locked = session.scalar(select(Reservation).where(Reservation.id == reservation_id).with_for_update())
        assert locked is not None
        return record_booking(session, locked, booking, error, now=now or utcnow())


def record_booking(
    session: Session, reservation: Reservation, booking: Booking | None, error: str, *, now: datetime
) -> dict[str, Any]:
    wanted = dict(reservation.delivery or {})
    if reservation.delivery_id is not None:  # a concurrent attempt wrote it first: the same booking
        return {"reservation_id": reservation.id, "booked": True, "delivery_id": reservation.delivery_id}
    reservation.delivery_attempts = (reservation.delivery_attempts or 0) + 1
    if booking is None:
        settings = get_settings()
        attempts = reservation.delivery_attempts
        more = attempts < settings.delivery_max_attempts and reservation.status == "reserved"
        pause = settings.delivery_retry_s * 2 ** (attempts - 1)
        reservation.delivery_retry_at = now + timedelta(seconds=pause) if more else None
        reservation.delivery = {**wanted, "status": "failed", "error": error or "booking failed"}
        session.flush()
        return {"reservation_id": reservation.id, "booked": False, "error": error, "attempts": attempts}
    reservation.delivery = {
        **wanted,
        "status": booking.status,
        "provider": booking.provider,
        "delivery_id": booking.delivery_id,
        "fee": booking.fee,
        "tracking_url": booking.tracking_url,
        "error": None,
    }
    reservation.delivery_id = booking.delivery_id
    reservation.delivery_retry_at = None
    session.flush()
    return {"reservation_id": reservation.id, "booked": True, "delivery_id": booking.delivery_id}


def due_bookings(session: Session, now: datetime | None = None, *, limit: int = 100) -> list[tuple[str, str]]:
    """(tenant, reservation) of every courier booking whose next attempt is due (a system session)."""
    now = now or utcnow()
    rows = session.execute(
        select(Reservation.tenant_id, Reservation.id)
        .where(
            Reservation.delivery_retry_at <= now,
            Reservation.status == "reserved",
            Reservation.delivery_id.is_(None),
        )
        .order_by(Reservation.delivery_retry_at)
        .limit(limit)
    ).all()
    return [(str(t), str(r)) for t, r in rows]


def retry_booking(session: Session, reservation: Reservation, *, now: datetime | None = None) -> str:
    """Try the courier booking again now (the retry loop, or the seller's button)."""
    if not _booking_due(reservation):
        raise ReservationStateConflict(
            f"reservation {reservation.id} has no courier booking to retry",
            code="surplus.reservation.nothing_to_book",
            params={"id": reservation.id},
        )
    job_id = queue_delivery_booking(session, reservation, now=now)
    assert job_id is not None
    return job_id


def follow_delivery(session: Session, data: dict[str, Any]) -> Reservation | None:
    """The broker's ``delivery.status_changed``: the reservation's delivery moves forward only, once."""
    delivery_id, reference, status = data.get("delivery_id"), data.get("reference"), data.get("status")
    if not status:
        return None
    reservation = None
    if delivery_id:
        reservation = session.scalar(select(Reservation).where(Reservation.delivery_id == str(delivery_id)))
    if reservation is None and reference:
        found = session.get(Reservation, str(reference))
        reservation = found if found is not None and found.delivery is not None else None
    if reservation is None or reservation.delivery is None:
        return None
    current = str(reservation.delivery.get("status", "requested"))
    if DELIVERY_RANK.get(str(status), -1) <= DELIVERY_RANK.get(current, 0):
        return reservation  # a repeated or late event: nothing changes twice
    reservation.delivery = {
        **reservation.delivery,
        "status": str(status),
        "provider": data.get("provider") or reservation.delivery.get("provider"),
        "delivery_id": str(delivery_id or reservation.delivery.get("delivery_id")),
    }
    if delivery_id and reservation.delivery_id is None:
        reservation.delivery_id = str(delivery_id)
    session.flush()
    if status == "delivered":
        mark_delivered(session, reservation)
    return reservation
