"""Use cases for delivery orders: book on a quote, apply platform status updates once, cancel.

The request (or webhook) owns the transaction; everything here only flushes, so the order, its
status event, the outbox event, the KPI record and the subsidy entry land together or not at all.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smartdist import kpi
from smartdist.bus import outbox
from smartdist.db import Database, new_id
from smartdist_delivery_broker.adapters.port import (
    BookingRequest,
    DeliveryPlatform,
    DeliveryStatus,
    Place,
    PlatformDelivery,
    StatusUpdate,
)
from smartdist_delivery_broker.kpi import REQUEST
from smartdist_delivery_broker.orders.domain import (
    RANK,
    ApplyResult,
    DeliveryState,
    Outcome,
    StatusChange,
    apply_status_update,
)
from smartdist_delivery_broker.orders.models import DeliveryOrder, DeliveryStatusEvent
from smartdist_delivery_broker.quotes.domain import ProviderQuote, QuoteSet
from smartdist_delivery_broker.subsidy.service import charge_subsidy, release_subsidy

SERVICE = "delivery-broker"
EVENT_REQUESTED = "smartdist.delivery-broker.delivery.requested"
EVENT_STATUS_CHANGED = "smartdist.delivery-broker.delivery.status_changed"
EVENT_COMPLETED = "smartdist.delivery-broker.delivery.completed"
BOOKED_KEY = "booked"
# The subsidy pays for deliveries that happen; a booking that ends before pickup gives it back.
RELEASE_ON = frozenset({DeliveryStatus.CANCELLED, DeliveryStatus.FAILED})


def _place_doc(place: Place) -> dict[str, Any]:
    return {
        "lat": place.lat,
        "lng": place.lng,
        "address": place.address,
        "name": place.name,
        "phone": place.phone,
        "notes": place.notes,
    }


def delivery_state(session: Session, order: DeliveryOrder) -> DeliveryState:
    """Rebuild the lifecycle state of `order` from its stored events."""
    # Only the columns the lifecycle needs: the raw payloads can be large and are not read here.
    events = session.execute(
        select(
            DeliveryStatusEvent.event_key,
            DeliveryStatusEvent.outcome,
            DeliveryStatusEvent.status,
            DeliveryStatusEvent.occurred_at,
            DeliveryStatusEvent.raw_status,
            DeliveryStatusEvent.late,
        ).where(DeliveryStatusEvent.order_id == order.id)
    ).all()
    history = [StatusChange(DeliveryStatus.PENDING, None, order.created_at, "booked", BOOKED_KEY)]
    for e in events:
        if e.outcome in (Outcome.APPLIED, Outcome.BACKFILLED) and e.status is not None:
            history.append(
                StatusChange(DeliveryStatus(e.status), None, e.occurred_at, e.raw_status, e.event_key, e.late)
            )
    history.sort(key=lambda c: (RANK[c.status], c.occurred_at))
    return DeliveryState(
        status=DeliveryStatus(order.status),
        status_at=order.status_at,
        raw_status=order.raw_status,
        courier_accepted_at=order.courier_accepted_at,
        seen_event_keys=frozenset(e.event_key for e in events),
        history=tuple(history),
    )


def _kpi(session: Session, order: DeliveryOrder, status: str, at: datetime) -> None:
    kpi.record(
        session,
        service=SERVICE,
        doc_type=REQUEST,
        doc_no=order.no,
        status=status,
        sender=str(order.pickup.get("name") or order.pickup.get("address") or "store"),
        receiver=str(order.dropoff.get("name") or order.dropoff.get("address") or "customer"),
        sent_at=order.created_at,
        received_at=at if status == DeliveryStatus.DELIVERED else None,
        elapsed_s=(at - order.created_at).total_seconds() if status == DeliveryStatus.DELIVERED else None,
        amount_twd=order.goods_value,
        distance_m=order.distance_m,
        tenant_id=order.tenant_id,
        provider=order.provider,
        fee_twd=order.fee,
    )


def _event_data(order: DeliveryOrder, previous: str | None) -> dict[str, Any]:
    return {
        "delivery_id": order.id,
        "no": order.no,
        "reference": order.reference,
        "provider": order.provider,
        "platform_ref": order.platform_ref,
        "status": order.status,
        "previous_status": previous,
        "raw_status": order.raw_status,
        "fee": order.fee,
        "tracking_url": order.tracking_url,
    }


def _requested_data(order: DeliveryOrder) -> dict[str, Any]:
    """`delivery.requested`: everything a carrier needs to do the job (the own fleet's dispatch
    service creates its order from it), beside the fields every delivery event carries."""

    def place(doc: dict[str, Any]) -> dict[str, Any]:
        return {
            "lat": doc.get("lat"),
            "lng": doc.get("lng"),
            "address": doc.get("address") or "",
            "contact_name": doc.get("name") or "",
            "contact_phone": doc.get("phone") or "",
        }

    return {
        **_event_data(order, None),
        "delivery_no": order.no,
        "pickup": place(order.pickup),
        "dropoff": place(order.dropoff),
        "cod_amount": order.cod_amount,
        "goods_value": order.goods_value,
        "distance_m": order.distance_m,
        "scheduled_at": order.scheduled_at.isoformat() if order.scheduled_at is not None else None,
        "notes": str(order.dropoff.get("notes") or ""),
    }


def _note_courier_position(order: DeliveryOrder, update: StatusUpdate) -> None:
    """Keep the newest reported courier position (webhooks arrive in any order)."""
    if update.courier_lat is None or update.courier_lng is None:
        return
    if order.courier_at is not None and update.occurred_at < order.courier_at:
        return
    order.courier_lat, order.courier_lng, order.courier_at = update.courier_lat, update.courier_lng, update.occurred_at


def record_status_update(session: Session, order: DeliveryOrder, update: StatusUpdate) -> ApplyResult:
    """Apply one platform update to `order` exactly once, with its event, KPI record and outbox."""
    state = delivery_state(session, order)
    result = apply_status_update(state, update)
    if result.outcome is Outcome.DUPLICATE:
        return result
    row = DeliveryStatusEvent(
        tenant_id=order.tenant_id,
        order_id=order.id,
        provider=update.provider,
        event_key=update.event_key[:100],
        raw_status=update.raw_status[:60],
        status=None if update.status is None else update.status.value,
        outcome=result.outcome.value,
        late=bool(result.change and result.change.late),
        occurred_at=update.occurred_at,
        detail=update.detail[:200],
        raw=dict(update.raw),
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        # The same webhook, processed concurrently by another worker, got there first.
        return ApplyResult(Outcome.DUPLICATE, state)

    _note_courier_position(order, update)
    new_state = result.state
    if result.outcome is Outcome.UNCHANGED:
        order.raw_status, order.status_at = new_state.raw_status, new_state.status_at
    if result.outcome is Outcome.APPLIED and result.change is not None:
        previous = order.status
        order.status = new_state.status.value
        order.status_at = new_state.status_at
        order.raw_status = new_state.raw_status
        order.courier_accepted_at = new_state.courier_accepted_at
        session.flush()
        outbox.publish(
            session,
            type=EVENT_STATUS_CHANGED,
            subject=order.no,
            data=_event_data(order, previous),
            tenant_id=order.tenant_id,
        )
        if new_state.status is DeliveryStatus.DELIVERED:
            outbox.publish(
                session,
                type=EVENT_COMPLETED,
                subject=order.no,
                data=_event_data(order, previous),
                tenant_id=order.tenant_id,
            )
        _kpi(session, order, order.status, update.occurred_at)
        if new_state.status in RELEASE_ON and not new_state.reached(DeliveryStatus.PICKED_UP) and order.subsidised:
            release_subsidy(session, order.tenant_id, order.id)
    session.flush()
    return result


def delivery_number(order_id: str, at: datetime) -> str:
    # new_id() starts with a timestamp; its random tail keeps numbers of one day apart.
    return f"DR{at:%Y%m%d}-{order_id[-8:].upper()}"


def new_order(
    tenant_id: str,
    quote_set: QuoteSet,
    quote: ProviderQuote,
    *,
    reference: str | None,
    goods_value: int,
    pickup: Place,
    dropoff: Place,
    now: datetime,
) -> DeliveryOrder:
    order_id = new_id()
    return DeliveryOrder(
        id=order_id,
        tenant_id=tenant_id,
        no=delivery_number(order_id, now),
        reference=reference,
        provider=quote.provider,
        quote_set_id=quote_set.quote_set_id,
        status=DeliveryStatus.PENDING.value,
        raw_status=None,
        status_at=now,
        pickup=_place_doc(pickup),
        dropoff=_place_doc(dropoff),
        distance_m=quote_set.distance_m,
        cod_amount=quote_set.cod_amount,
        goods_value=goods_value,
        fee=quote.fee,
        fee_breakdown=dict(quote.fee_breakdown),
        platform_fee=quote.platform_fee,
        subsidised=False,
        eta_at=None if quote.eta_minutes is None else now + timedelta(minutes=quote.eta_minutes),
        scheduled_at=quote_set.trip.scheduled_at if quote_set.trip is not None else None,
        created_at=now,
        updated_at=now,
    )


def spend_subsidy_for(session: Session, order: DeliveryOrder) -> None:
    cod_fee = int(order.fee_breakdown.get("cod", 0))
    charge_subsidy(session, order.tenant_id, order.id, order.fee - cod_fee, cod_fee)
    order.subsidised = True


async def place_with_platform(
    session: Session, order: DeliveryOrder, platform: DeliveryPlatform, booking: BookingRequest
) -> PlatformDelivery:
    """Book on the platform, then record what it answered as the order's first status."""
    delivery = await platform.create(booking)
    order.platform_ref = delivery.platform_ref
    order.tracking_url = delivery.tracking_url
    order.raw_status = delivery.raw_status
    if delivery.platform_fee is not None:
        order.platform_fee = delivery.platform_fee
    session.add(order)
    session.flush()
    session.add(
        DeliveryStatusEvent(
            tenant_id=order.tenant_id,
            order_id=order.id,
            provider=order.provider,
            event_key=BOOKED_KEY,
            raw_status=delivery.raw_status[:60] or "booked",
            status=DeliveryStatus.PENDING.value,
            outcome=Outcome.UNCHANGED.value,
            occurred_at=order.created_at,
            raw=dict(delivery.raw),
        )
    )
    session.flush()
    outbox.publish(
        session, type=EVENT_REQUESTED, subject=order.no, data=_requested_data(order), tenant_id=order.tenant_id
    )
    _kpi(session, order, DeliveryStatus.PENDING.value, order.created_at)
    return delivery


def update_from_platform_answer(order: DeliveryOrder, delivery: PlatformDelivery, key: str) -> StatusUpdate:
    """A status we learnt from our own call (cancel, poll), in the same shape as a webhook."""
    return StatusUpdate(
        provider=order.provider,
        platform_ref=order.platform_ref or "",
        raw_status=delivery.raw_status,
        status=delivery.status,
        occurred_at=delivery.updated_at or datetime.now(UTC),
        event_key=key,
        raw=dict(delivery.raw),
    )


class UnknownDelivery(Exception):
    """A webhook for an order we do not (yet) hold; the platform will retry."""


# (provider, platform_ref) -> (order id, tenant id). A platform reference never changes owner,
# so remembering it saves a lookup transaction per webhook; bounded, oldest dropped first.
_OWNERS: OrderedDict[tuple[int, str, str], tuple[str, str]] = OrderedDict()
_OWNERS_MAX = 100_000
_OWNERS_LOCK = threading.Lock()


def _owner_of(database: Database, provider: str, platform_ref: str) -> tuple[str, str] | None:
    key = (id(database), provider, platform_ref)
    with _OWNERS_LOCK:
        known = _OWNERS.get(key)
    if known is not None:
        return known
    with database.system_session() as lookup:
        found = lookup.execute(
            select(DeliveryOrder.id, DeliveryOrder.tenant_id).where(
                DeliveryOrder.provider == provider, DeliveryOrder.platform_ref == platform_ref
            )
        ).first()
    if found is None:
        return None
    owner = (str(found.id), str(found.tenant_id))
    with _OWNERS_LOCK:
        _OWNERS[key] = owner
        while len(_OWNERS) > _OWNERS_MAX:
            _OWNERS.popitem(last=False)
    return owner


def ingest_status_updates(database: Database, updates: list[StatusUpdate]) -> dict[str, int]:
    """Apply webhook updates, each in its own tenant's transaction; returns outcome counts."""
    counts: dict[str, int] = {}
    for update in updates:
        owner = _owner_of(database, update.provider, update.platform_ref)
        if owner is None:
            raise UnknownDelivery(f"no {update.provider} delivery {update.platform_ref}")
        order_id, tenant_id = owner
        with database.tenant_transaction(tenant_id) as session:
            order = session.scalars(
                select(DeliveryOrder).where(DeliveryOrder.id == order_id).with_for_update()
            ).one_or_none()
            if order is None:
                with _OWNERS_LOCK:
                    _OWNERS.pop((id(database), update.provider, update.platform_ref), None)
                raise UnknownDelivery(f"no {update.provider} delivery {update.platform_ref}")
            result = record_status_update(session, order, update)
        counts[result.outcome.value] = counts.get(result.outcome.value, 0) + 1
    return counts


def order_view(session: Session, order: DeliveryOrder, *, with_events: bool = False) -> dict[str, Any]:
    from smartdist_delivery_broker.own_fleet.cancel import cancel_request_view

    state = delivery_state(session, order)
    body: dict[str, Any] = {
        "id": order.id,
        "no": order.no,
        "reference": order.reference,
        "provider": order.provider,
        "platform_ref": order.platform_ref,
        "status": order.status,
        "raw_status": order.raw_status,
        "fee": order.fee,
        "fee_breakdown": order.fee_breakdown,
        "platform_fee": order.platform_fee,
        "cod_amount": order.cod_amount,
        "goods_value": order.goods_value,
        "distance_m": order.distance_m,
        "subsidised": order.subsidised,
        "tracking_url": order.tracking_url,
        "eta_at": order.eta_at.isoformat() if order.eta_at is not None else None,
        "scheduled_at": order.scheduled_at.isoformat() if order.scheduled_at is not None else None,
        "courier": None
        if order.courier_lat is None
        else {
            "lat": order.courier_lat,
            "lng": order.courier_lng,
            "at": order.courier_at.isoformat() if order.courier_at else None,
        },
        "pickup": order.pickup,
        "dropoff": order.dropoff,
        "cancel_request": cancel_request_view(order),
        "created_at": order.created_at.isoformat(),
        "updated_at": (order.updated_at or order.created_at).isoformat(),
        "history": [
            {"status": c.status.value, "at": c.occurred_at.isoformat(), "raw_status": c.raw_status, "late": c.late}
            for c in state.history
        ],
    }
    if with_events:
        events = session.scalars(
            select(DeliveryStatusEvent)
            .where(DeliveryStatusEvent.order_id == order.id)
            .order_by(DeliveryStatusEvent.received_at)
        )
        body["events"] = [
            {
                "raw_status": e.raw_status,
                "status": e.status,
                "outcome": e.outcome,
                "occurred_at": e.occurred_at.isoformat(),
                "received_at": e.received_at.isoformat(),
                "event_key": e.event_key,
                "detail": e.detail,
            }
            for e in events
        ]
    return body
