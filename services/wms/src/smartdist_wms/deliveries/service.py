"""Home delivery use cases: asked with the order, booked after it ships, followed to delivered.

The courier is booked outside the ship transaction: ``start_booking`` (called by ``ship``) marks
the delivery ``booking`` and queues the ``wms.book_courier`` job, which the platform dispatches
only once that transaction has committed. The job calls the broker (``Idempotency-Key:
wms:<ref>``, so a retry gets the first booking back), writes the answer in a transaction of its
own, and leaves a broker outage for the retry loop (``retry_waiting_bookings``) to try again.
Statuses then follow the broker's ``delivery.status_changed`` events, forward only.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import structlog
from sqlalchemy.orm import Session

from smartdist.auth.tokens import TokenSigner
from smartdist.db import TENANT_KEY, utcnow
from smartdist.jobs import submit_job
from smartdist.kpi import record
from smartdist_wms.adapters.delivery_broker import (
    Booking,
    BookingRefused,
    BrokerUnavailable,
    CourierRequest,
    DeliveryBroker,
    HttpDeliveryBroker,
    Party,
    Place,
    SandboxDeliveryBroker,
)
from smartdist_wms.config import get_settings
from smartdist_wms.deliveries import repository
from smartdist_wms.deliveries.domain import BOOK_JOB, BOOKING, REQUESTED, idempotency_key, moves_forward
from smartdist_wms.deliveries.models import OutboundDelivery
from smartdist_wms.deliveries.schemas import DeliveryIn, DeliveryOut, PlaceOut
from smartdist_wms.kpi import OUTBOUND
from smartdist_wms.outbound.models import OutboundOrder

if TYPE_CHECKING:
    from smartdist.db import Database
    from smartdist.runtime import ServiceRuntime

log = structlog.get_logger(__name__)
# The broker used when none is configured or known (tests, a warehouse running alone).
SANDBOX = SandboxDeliveryBroker()


def warehouse_place() -> dict[str, Any]:
    s = get_settings()
    return {"lat": s.warehouse_lat, "lng": s.warehouse_lng, "address": s.warehouse_address}


def request_delivery(session: Session, order: OutboundOrder, body: DeliveryIn) -> OutboundDelivery:
    """Keep what the order asked for; nothing is booked before the parcel ships."""
    pickup = body.pickup.model_dump(exclude_none=True) if body.pickup else warehouse_place()
    delivery = OutboundDelivery(
        order_id=order.id,
        ref=order.ref,
        pickup=pickup,
        dropoff=body.dropoff.model_dump(exclude_none=True),
        contact=body.contact.model_dump() if body.contact else None,
        cod_amount=body.cod_amount or 0,
        provider_wanted=body.provider,
        status=REQUESTED,
        requested_at=utcnow(),
    )
    session.add(delivery)
    session.flush()
    return delivery


def for_order(session: Session, order_id: int) -> OutboundDelivery | None:
    return repository.for_order(session, order_id)


def start_booking(session: Session, delivery: OutboundDelivery, *, broker_hint: str | None) -> None:
    """At ship, in its transaction: the courier job runs once the shipment has committed."""
    if delivery.status != REQUESTED:
        return
    delivery.status = BOOKING
    delivery.broker_hint = broker_hint[:500] if broker_hint else None
    delivery.status_at = utcnow()
    session.flush()
    submit_job(session, BOOK_JOB, {"delivery_id": delivery.id}, created_by="wms")


def cancel_request(session: Session, order_id: int) -> None:
    """The order was cancelled before it shipped: no courier will be asked for."""
    delivery = repository.for_order(session, order_id)
    if delivery is not None and delivery.status == REQUESTED:
        delivery.status, delivery.status_at = "cancelled", utcnow()
        session.flush()


def delivery_out(delivery: OutboundDelivery | None) -> DeliveryOut | None:
    if delivery is None:
        return None
    return DeliveryOut(
        status=delivery.status,
        provider=delivery.provider,
        fee=delivery.fee,
        delivery_id=delivery.delivery_id,
        delivery_no=delivery.delivery_no,
        tracking_url=delivery.tracking_url,
        pickup=PlaceOut(**delivery.pickup),
        dropoff=PlaceOut(**delivery.dropoff),
        cod_amount=delivery.cod_amount,
        error=delivery.error,
        booked_at=delivery.booked_at,
        status_at=delivery.status_at,
    )


# --- booking (the job and the retry loop) ---------------------------------------------------


def broker_for(runtime: ServiceRuntime | None, hint: str | None) -> DeliveryBroker:
    """Which broker books couriers (see the ``delivery_broker_url`` setting)."""
    settings = get_settings()
    url = settings.delivery_broker_url
    if url in ("", "auto"):
        known = runtime.settings.service_urls.get("delivery-broker") if runtime is not None else None
        url = known or hint or "sandbox"
    if url == "sandbox":
        return SANDBOX

    def token_for(tenant_id: str) -> str:
        if settings.delivery_broker_token:
            return settings.delivery_broker_token
        if runtime is None or runtime.keys.private_pem is None:
            raise BookingRefused("no token for the delivery broker: set SMARTDIST_WMS_DELIVERY_BROKER_TOKEN")
        token, _ = TokenSigner(runtime.keys.private_pem).issue(
            kind="service", subject="wms", tenant_id=tenant_id, roles=["integrator"], ttl_s=300
        )
        return token

    return HttpDeliveryBroker(url, token_for)


def courier_request(delivery: OutboundDelivery, order: OutboundOrder, tenant_id: str) -> CourierRequest:
    settings = get_settings()
    contact = delivery.contact or {}
    units = sum(line.picked for line in order.lines)
    return CourierRequest(
        tenant_id=tenant_id,
        reference=delivery.ref,
        idempotency_key=idempotency_key(delivery.ref),
        pickup=Place(float(delivery.pickup["lat"]), float(delivery.pickup["lng"]), delivery.pickup.get("address", "")),
        dropoff=Place(
            float(delivery.dropoff["lat"]), float(delivery.dropoff["lng"]), delivery.dropoff.get("address", "")
        ),
        pickup_contact=Party(settings.warehouse_name, settings.warehouse_phone),
        dropoff_contact=Party(
            str(contact.get("name") or order.customer or "customer"),
            str(contact.get("phone") or settings.warehouse_phone),
        ),
        cod_amount=delivery.cod_amount,
        description=f"{order.no} ({units} units)",
        provider=delivery.provider_wanted,
    )


def _mark_attempt(database: Database, tenant_id: str, delivery_id: int, error: str | None = None) -> bool:
    """Count an attempt (or write its error); False when the delivery no longer waits for a courier."""
    with database.tenant_transaction(tenant_id) as session:
        delivery = repository.lock(session, delivery_id)
        if delivery is None or delivery.status != BOOKING:
            return False
        if error is None:
            delivery.attempts += 1
            delivery.attempted_at = utcnow()
        else:
            delivery.error = error[:500]
        return True


def _apply_booking(session: Session, delivery: OutboundDelivery, booking: Booking) -> None:
    now = utcnow()
    delivery.delivery_id = booking.delivery_id
    delivery.delivery_no = booking.no or delivery.delivery_no
    delivery.provider = booking.provider
    delivery.fee = booking.fee if booking.fee is not None else delivery.fee
    delivery.tracking_url = booking.tracking_url or delivery.tracking_url
    delivery.booked_at = delivery.booked_at or now
    delivery.error = None
    if moves_forward(delivery.status, booking.status):
        delivery.status, delivery.status_at = booking.status, now
    order = session.get(OutboundOrder, delivery.order_id)
    if order is not None:
        order.carrier = order.carrier or booking.provider[:60]
        order.tracking_no = order.tracking_no or (booking.no or booking.delivery_id)[:100]
    session.flush()


def _settle(
    database: Database, tenant_id: str, delivery_id: int, *, booking: Booking | None = None, refused: str = ""
) -> str:
    with database.tenant_transaction(tenant_id) as session:
        delivery = repository.lock(session, delivery_id)
        if delivery is None:
            return "missing"
        if booking is not None:
            _apply_booking(session, delivery, booking)
        elif delivery.status == BOOKING:
            delivery.status, delivery.status_at, delivery.error = "failed", utcnow(), refused[:500]
            log.warning("courier_booking_refused", ref=delivery.ref, reason=refused[:300])
        return delivery.status


def book_courier(
    database: Database,
    tenant_id: str,
    delivery_id: int,
    runtime: ServiceRuntime | None,
    *,
    tries: int | None = None,
    pause: Callable[[float], None] = time.sleep,
    before_try: Callable[[int], None] | None = None,
) -> str:
    """Book the courier of a shipped order; returns the delivery's status after (``booking`` when
    the broker stayed unreachable: the retry loop tries again later)."""
    with database.tenant_transaction(tenant_id) as session:
        delivery = session.get(OutboundDelivery, delivery_id)
        if delivery is None:
            return "missing"
        if delivery.status != BOOKING or delivery.delivery_id is not None:
            return delivery.status
        order = session.get(OutboundOrder, delivery.order_id)
        assert order is not None
        request = courier_request(delivery, order, tenant_id)
        hint = delivery.broker_hint
    broker = broker_for(runtime, hint)
    tries = tries or get_settings().courier_booking_tries
    for attempt in range(tries):
        if before_try is not None:
            before_try(attempt)
        if not _mark_attempt(database, tenant_id, delivery_id):
            return "settled"  # the broker's events or another try got there first
        try:
            booking = broker.book(request)
        except BookingRefused as exc:
            return _settle(database, tenant_id, delivery_id, refused=str(exc))
        except BrokerUnavailable as exc:
            log.info("courier_booking_retry", ref=request.reference, attempt=attempt + 1, error=str(exc)[:200])
            _mark_attempt(database, tenant_id, delivery_id, error=str(exc))
            if attempt + 1 < tries:
                pause(min(2.0**attempt, 8.0))
            continue
        return _settle(database, tenant_id, delivery_id, booking=booking)
    return BOOKING


def retry_waiting_bookings(database: Database, runtime: ServiceRuntime | None) -> int:
    """Shipped orders still without a courier (broker was down, a worker died): one more try each;
    after ``courier_booking_max_attempts`` they end ``failed`` with the last error. Returns how many."""
    settings = get_settings()
    with database.system_transaction() as session:
        waiting = repository.waiting_for_a_courier(session, utcnow() - timedelta(seconds=settings.courier_retry_s))
    for tenant_id, delivery_id in waiting:
        with database.tenant_transaction(tenant_id) as session:
            delivery = repository.lock(session, delivery_id)
            if (
                delivery is not None
                and delivery.status == BOOKING
                and (delivery.attempts >= settings.courier_booking_max_attempts)
            ):
                delivery.status, delivery.status_at = "failed", utcnow()
                delivery.error = (delivery.error or "no answer from the delivery broker")[:500]
                continue
        book_courier(database, tenant_id, delivery_id, runtime, tries=1)
    return len(waiting)


# --- the broker's status events ---------------------------------------------------------------


def follow_status(session: Session, data: dict[str, Any]) -> OutboundDelivery | None:
    """``delivery.status_changed``: the order's delivery moves forward only, each step once."""
    status = data.get("status")
    delivery_id = str(data["delivery_id"]) if data.get("delivery_id") else None
    reference = str(data["reference"]) if data.get("reference") else None
    if not status:
        return None
    delivery = repository.by_broker_delivery(session, delivery_id, reference)
    if delivery is None:
        return None  # another system's booking at the broker
    delivery = repository.lock(session, delivery.id)
    assert delivery is not None
    if delivery.delivery_id is None and delivery_id:
        delivery.delivery_id = delivery_id
        delivery.booked_at = delivery.booked_at or utcnow()
    delivery.delivery_no = delivery.delivery_no or data.get("no")
    delivery.provider = delivery.provider or data.get("provider")
    if delivery.fee is None and isinstance(data.get("fee"), int):
        delivery.fee = data["fee"]
    delivery.tracking_url = delivery.tracking_url or data.get("tracking_url")
    if not moves_forward(delivery.status, str(status)):
        session.flush()
        return delivery  # a repeated or late event: nothing changes twice
    now = utcnow()
    delivery.status, delivery.status_at = str(status), now
    session.flush()
    if status == "delivered":
        _kpi_delivered(session, delivery)
    return delivery


def _kpi_delivered(session: Session, delivery: OutboundDelivery) -> None:
    order = session.get(OutboundOrder, delivery.order_id)
    if order is None:
        return
    now = utcnow()
    elapsed = None if order.shipped_at is None else max(0.0, (now - order.shipped_at).total_seconds())
    record(
        session,
        service="wms",
        doc_type=OUTBOUND,
        doc_no=order.no,
        status="delivered",
        sender=get_settings().warehouse_code,
        receiver=order.customer or order.ref,
        sent_at=order.shipped_at,
        received_at=now,
        elapsed_s=elapsed,
        at=now,
        ref=order.ref,
        provider=delivery.provider,
        fee_twd=delivery.fee,
        tenant_id=str(session.info[TENANT_KEY]),
    )
