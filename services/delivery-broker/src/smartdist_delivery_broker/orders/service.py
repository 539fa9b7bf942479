"""Use cases for delivery orders: book on a quote, apply platform status updates once, cancel.

The request (or webhook) owns the transaction; everything here only flushes, so the order, its
status event, the outbox event, the KPI record and the subsidy entry land together or not at all.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from smartdist import kpi
from smartdist.bus import outbox
from smartdist.db import Database, is_database_busy, new_id
from smartdist.idempotency import Idempotency, IdempotencyKey
from smartdist.pagination import Page, paginate
from smartdist_delivery_broker.adapters.port import (
    BookingRequest,
    CancellationRefused,
    DeliveryStatus,
    Place,
    PlatformDelivery,
    PlatformError,
    PlatformRejected,
    StatusUpdate,
    TripRequest,
    WebhookSignatureInvalid,
)
from smartdist_delivery_broker.adapters.sandbox import SandboxBehaviour, SandboxPlatform
from smartdist_delivery_broker.kpi import REQUEST
from smartdist_delivery_broker.orders.domain import (
    RANK,
    ApplyResult,
    BookingInProgress,
    CancellationNotAllowed,
    DeliveryNotFound,
    DeliveryState,
    NoSandbox,
    NotRebookable,
    Outcome,
    StatusChange,
    SubsidyWouldBeOverspent,
    UnknownDelivery,
    WebhookRejected,
    apply_status_update,
    cancellation_problem,
    cancellation_refusal,
    delivery_number,
    platform_problem,
)
from smartdist_delivery_broker.orders.models import DeliveryOrder, DeliveryStatusEvent
from smartdist_delivery_broker.orders.repository import (
    deliveries_query,
    find_order,
    interrupted_placings,
    lifecycle_events,
    owner_of,
    status_events,
)
from smartdist_delivery_broker.own_fleet.domain import PROVIDER as OWN_FLEET
from smartdist_delivery_broker.own_fleet.domain import OwnFleetTerms
from smartdist_delivery_broker.own_fleet.repository import own_fleet_terms
from smartdist_delivery_broker.quotes.domain import (
    ProviderQuote,
    QuoteAlreadyBooked,
    QuoteNotBookable,
    QuoteSet,
    QuoteSetNotFound,
    bookable_quote,
)
from smartdist_delivery_broker.quotes.repository import load_quote_set, mark_booked, release_booked
from smartdist_delivery_broker.quotes.service import (
    QuotingContext,
    TripAsked,
    call_platform,
    find_quote_set,
    quote_trip,
)
from smartdist_delivery_broker.subsidy.domain import SubsidyCapExceeded
from smartdist_delivery_broker.subsidy.service import charge_subsidy, release_subsidy, undo_charge

log = structlog.get_logger(__name__)
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
    events = lifecycle_events(session, order.id)
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
    owner = owner_of(database, provider, platform_ref)
    if owner is None:
        return None
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
            raise UnknownDelivery(
                f"no {update.provider} delivery {update.platform_ref}",
                code="broker.webhook.unknown_delivery",
                params={"provider": update.provider, "ref": update.platform_ref},
            )
        order_id, tenant_id = owner
        with database.tenant_transaction(tenant_id) as session:
            order = find_order(session, order_id, for_update=True)
            if order is None:
                with _OWNERS_LOCK:
                    _OWNERS.pop((id(database), update.provider, update.platform_ref), None)
                raise UnknownDelivery(
                    f"no {update.provider} delivery {update.platform_ref}",
                    code="broker.webhook.unknown_delivery",
                    params={"provider": update.provider, "ref": update.platform_ref},
                )
            result = record_status_update(session, order, update)
        counts[result.outcome.value] = counts.get(result.outcome.value, 0) + 1
    return counts


# --- what a delivery looks like on its way out --------------------------------------------


@dataclass(frozen=True)
class CourierPosition:
    lat: float
    lng: float
    at: datetime | None


@dataclass(frozen=True)
class CancelRequest:
    """An own-fleet cancellation asked of dispatch, and its answer once it came."""

    requested_at: datetime
    reason: str | None
    answered_at: datetime | None
    refusal: str | None

    @property
    def refused(self) -> bool:
        return self.refusal is not None


@dataclass(frozen=True)
class DispatchRefusal:
    """Own fleet: dispatch refused the booking; `code` is `refusal.<dispatch's reason code>`."""

    code: str
    reason: str


@dataclass
class DeliveryView:
    """One delivery as the merchant sees it: the order row, its lifecycle history and (for one
    delivery) every status report received. The schema reads it with `from_attributes`."""

    order: DeliveryOrder
    history: tuple[StatusChange, ...]
    events: list[DeliveryStatusEvent] | None = None
    quotes: tuple[ProviderQuote, ...] = ()  # an instant booking also shows what was quoted

    def __getattr__(self, name: str) -> Any:
        # The order's columns (id, no, fee, ...) are the view's.
        return getattr(self.order, name)

    @property
    def courier(self) -> CourierPosition | None:
        o = self.order
        return (
            None
            if o.courier_lat is None or o.courier_lng is None
            else CourierPosition(o.courier_lat, o.courier_lng, o.courier_at)
        )

    @property
    def cancel_request(self) -> CancelRequest | None:
        o = self.order
        if o.cancel_requested_at is None:
            return None
        return CancelRequest(o.cancel_requested_at, o.cancel_reason, o.cancel_answered_at, o.cancel_refusal)

    @property
    def dispatch_refusal(self) -> DispatchRefusal | None:
        o = self.order
        if o.dispatch_refusal is None:
            return None
        return DispatchRefusal(f"refusal.{o.dispatch_refusal_code or 'other'}", o.dispatch_refusal)

    @property
    def updated_at(self) -> datetime:
        return self.order.updated_at or self.order.created_at


def view_of(session: Session, order: DeliveryOrder, *, with_events: bool = False) -> DeliveryView:
    state = delivery_state(session, order)
    return DeliveryView(order, state.history, status_events(session, order.id) if with_events else None)


# --- booking --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str
    notes: str = ""


@dataclass(frozen=True)
class OrderDetails:
    """What the merchant adds to a quote to book it."""

    pickup_contact: Contact
    dropoff_contact: Contact
    reference: str | None = None
    goods_value: int = 0
    description: str = "goods"
    use_subsidy: bool = True


# A claimed booking whose platform has not answered yet: no platform reference, this raw status.
PLACING = "placing"
# A booking claimed longer ago than this and still placing was interrupted (the process stopped
# between its two transactions): the pump asks the platform again with the same reference.
INTERRUPTED_AFTER = timedelta(seconds=60)
# A retry with the Idempotency-Key of a booking still being placed waits this long for its answer.
IN_PROGRESS_WAIT_S = 15.0
PLACING_KEY = "placing_delivery_id"


@dataclass(frozen=True)
class IdempotencyAsk:
    """The caller's Idempotency-Key, the endpoint and what makes two requests the same."""

    key: str | None
    endpoint: str
    fingerprint: bytes


@dataclass(frozen=True)
class BookingAnswer:
    """The HTTP answer of a booking: the first one's, or the stored one on a replay."""

    status_code: int
    body: Any
    replayed: bool = False


# The HTTP layer's rendering of a booked delivery into its JSON body (stored with the key).
Render = Callable[[DeliveryView], Any]


@dataclass(frozen=True)
class Placing:
    """A booking claimed in the first transaction, to be placed on its platform outside any."""

    order_id: str
    tenant_id: str
    provider: str
    booking: BookingRequest
    own_fleet: OwnFleetTerms | None


def is_placing(order: DeliveryOrder) -> bool:
    return order.platform_ref is None and order.raw_status == PLACING


def _booking_request(order: DeliveryOrder, quote: ProviderQuote | None, description: str) -> BookingRequest:
    def place(doc: dict[str, Any]) -> Place:
        return Place(
            float(doc["lat"]), float(doc["lng"]), str(doc.get("address") or ""),
            str(doc.get("name") or ""), str(doc.get("phone") or ""), str(doc.get("notes") or ""),
        )  # fmt: skip

    trip = TripRequest(
        pickup=place(order.pickup),
        dropoff=place(order.dropoff),
        distance_m=order.distance_m,
        cod_amount=order.cod_amount,
        goods_value=order.goods_value,
        scheduled_at=order.scheduled_at,
        reference=order.id,
    )
    return BookingRequest(
        trip=trip,
        reference=order.id,
        platform_quote_ref=quote.platform_quote_ref if quote is not None else None,
        platform_stop_refs=quote.platform_stop_refs if quote is not None else (),
        description=description,
        delivery_no=order.no,
    )


def claim_quote(
    session: Session,
    context: QuotingContext,
    tenant_id: str,
    quote_set: QuoteSet,
    details: OrderDetails,
    provider: str | None = None,
    now: datetime | None = None,
) -> tuple[DeliveryOrder, Placing]:
    """Take `provider` (default: the recommended one) of `quote_set` for one booking, in the
    caller's (short) transaction: the order, stored `placing`, and its subsidy charge.

    The quote set is taken first (`mark_booked`, a conditional UPDATE): a second booking of the
    same set is refused with QuoteAlreadyBooked before it reaches a platform or the subsidy. A
    refusal (raised) rolls the transaction back: no order, no subsidy spent, the set still free.
    The platform is called afterwards, with no transaction open (`place_claimed`)."""
    if quote_set.trip is None:
        raise QuoteSetNotFound(
            "That quote set cannot be booked; ask POST /quotes again.", code="broker.quote_set.unbookable"
        )
    provider = provider or quote_set.recommended
    if provider is None:
        raise QuoteNotBookable(
            "No platform can take this delivery.",
            code="broker.quote.none_available",
            reasons={q.provider: q.reason for q in quote_set.quotes},
        )
    now = now or datetime.now(UTC)
    quote = bookable_quote(quote_set, provider, now)
    own_fleet = own_fleet_terms(session) if provider == OWN_FLEET else None
    if provider == OWN_FLEET and (own_fleet is None or not own_fleet.enabled):
        raise QuoteNotBookable(
            "The own fleet is no longer offered (PUT /own-fleet enables it).", code="broker.own_fleet.not_offered"
        )
    if context.platform_for(provider, own_fleet, tenant_id) is None:
        raise QuoteNotBookable(
            f"{provider} is not a platform of this service.",
            code="broker.quote.unknown_platform",
            params={"provider": provider},
        )

    trip = quote_set.trip
    pc, dc = details.pickup_contact, details.dropoff_contact
    pickup = Place(trip.pickup.lat, trip.pickup.lng, trip.pickup.address, pc.name, pc.phone, pc.notes)
    dropoff = Place(trip.dropoff.lat, trip.dropoff.lng, trip.dropoff.address, dc.name, dc.phone, dc.notes)
    order = new_order(
        tenant_id, quote_set, quote, reference=details.reference, goods_value=details.goods_value,
        pickup=pickup, dropoff=dropoff, now=now,
    )  # fmt: skip
    order.raw_status = PLACING
    if not mark_booked(session, quote_set.quote_set_id, order.id, now):
        raise QuoteAlreadyBooked(
            f"Quote set {quote_set.quote_set_id} is already booked; ask POST /quotes again for another delivery.",
            code="broker.quote_set.booked",
            params={"quote_set_id": quote_set.quote_set_id},
            quote_set_id=quote_set.quote_set_id,
        )
    session.add(order)
    session.flush()
    # The programme subsidises platform fees; the merchant's own drivers are its own cost.
    if details.use_subsidy and provider != OWN_FLEET:
        try:
            spend_subsidy_for(session, order)
        except SubsidyCapExceeded as exc:
            raise SubsidyWouldBeOverspent(
                str(exc) + "; book with use_subsidy=false to pay the fee yourself.",
                code="broker.subsidy.cap",
                params={"needed": exc.amount, "remaining": exc.remaining, "cap": exc.cap},
                needed=exc.amount,
                remaining=exc.remaining,
                cap=exc.cap,
            ) from exc
    booking = _booking_request(order, quote, details.description)
    return order, Placing(order.id, tenant_id, provider, booking, own_fleet)


def record_placed(session: Session, order: DeliveryOrder, delivery: PlatformDelivery) -> None:
    """What the platform answered becomes the order's first status (second transaction)."""
    order.platform_ref = delivery.platform_ref
    order.tracking_url = delivery.tracking_url
    order.raw_status = delivery.raw_status
    if delivery.platform_fee is not None:
        order.platform_fee = delivery.platform_fee
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


def abandon_placing(session: Session, order: DeliveryOrder, idem_key: str | None = None) -> None:
    """The platform refused a claimed booking: undo the claim as if it never happened — no order,
    no subsidy spent, the quote set free again, the Idempotency-Key free for a retry."""
    undo_charge(session, order.tenant_id, order.id)
    if order.quote_set_id is not None:
        release_booked(session, order.quote_set_id, order.id)
    if idem_key is not None:
        row = session.scalar(select(IdempotencyKey).where(IdempotencyKey.key == idem_key))
        if row is not None and row.status_code is None:
            session.delete(row)
    session.delete(order)
    session.flush()


def _start_idempotent(session: Session, idem: IdempotencyAsk, render: Render) -> BookingAnswer | str | None:
    """Take the Idempotency-Key for this booking (None: go on), or the answer to give instead:
    the stored one on a retry; the finished booking's when the first request stopped before it
    stored its answer; the id of the delivery still being placed (str) for the caller to wait on."""
    if idem.key is None:
        return None
    for _ in range(2):
        handle = Idempotency(session, idem.key, idem.endpoint, idem.fingerprint)
        if handle.replay is None:
            return None  # the key is ours now, in this transaction
        row = session.scalar(select(IdempotencyKey).where(IdempotencyKey.key == idem.key))
        assert row is not None
        if row.status_code is not None:
            return BookingAnswer(row.status_code, row.response, replayed=True)
        order_id = str((row.response or {}).get(PLACING_KEY) or "")
        order = find_order(session, order_id) if order_id else None
        if order is not None and is_placing(order):
            return order_id
        if order is not None:
            body = render(view_of(session, order))
            row.status_code, row.response = 201, body
            session.flush()
            return BookingAnswer(201, body, replayed=True)
        # The first booking was refused after its process stopped: the key is free again.
        session.delete(row)
        session.flush()
    raise BookingInProgress(
        "A booking with this Idempotency-Key is being placed; retry in a few seconds.",
        code="broker.booking.in_progress",
    )


def _stored_answer(database: Database, tenant_id: str, idem: IdempotencyAsk) -> BookingAnswer | None:
    """The answer stored with this key for this same request, read without the write lock; None
    when there is none yet (or the read could not be made: the claim's transaction decides)."""
    assert idem.key is not None
    digest = hashlib.sha256(idem.endpoint.encode() + b"\n" + idem.fingerprint).hexdigest()
    try:
        with database.tenant_transaction(tenant_id, read_only=True) as session:
            row = session.scalar(select(IdempotencyKey).where(IdempotencyKey.key == idem.key))
            if row is None or row.status_code is None or row.request_hash != digest:
                return None
            return BookingAnswer(row.status_code, row.response, replayed=True)
    except OperationalError as exc:
        if is_database_busy(exc):
            return None
        raise


def _claim_key(session: Session, idem: IdempotencyAsk, order_id: str) -> None:
    if idem.key is None:
        return
    row = session.scalar(select(IdempotencyKey).where(IdempotencyKey.key == idem.key))
    if row is not None:
        row.response = {PLACING_KEY: order_id}
        session.flush()


def _wait_for_placing(database: Database, tenant_id: str, idem: IdempotencyAsk, render: Render) -> BookingAnswer:
    """A retry of a booking still being placed by another request: wait (no transaction held)
    for its answer, then give the same delivery."""
    deadline = time.monotonic() + IN_PROGRESS_WAIT_S
    while time.monotonic() < deadline:
        time.sleep(0.05)
        with database.tenant_transaction(tenant_id) as session:
            started = _start_idempotent(session, idem, render)
            if isinstance(started, BookingAnswer):
                return started
            if started is None:
                raise BookingInProgress(
                    "The first booking with this Idempotency-Key failed; send it again.",
                    code="broker.booking.first_failed",
                )
    raise BookingInProgress(
        "A booking with this Idempotency-Key is being placed; retry in a few seconds.",
        code="broker.booking.in_progress",
    )


def place_claimed(context: QuotingContext, placing: Placing) -> PlatformDelivery:
    """Ask the platform to take a claimed booking (no transaction open: it may take seconds)."""
    platform = context.platform_for(placing.provider, placing.own_fleet, placing.tenant_id)
    if platform is None:
        raise PlatformRejected(placing.provider, "not a platform of this service")
    return call_platform(platform.create, placing.booking)


def _finish(
    database: Database,
    context: QuotingContext,
    placing: Placing,
    idem: IdempotencyAsk,
    render: Render,
    quotes: tuple[ProviderQuote, ...] = (),
) -> BookingAnswer:
    """Place a claimed booking and record the answer in a second short transaction."""
    try:
        delivery = place_claimed(context, placing)
    except PlatformError as exc:
        with database.tenant_transaction(placing.tenant_id) as session:
            order = find_order(session, placing.order_id, for_update=True)
            if order is not None and is_placing(order):
                abandon_placing(session, order, idem.key)
        raise platform_problem(exc) from exc
    with database.tenant_transaction(placing.tenant_id) as session:
        order = find_order(session, placing.order_id, for_update=True)
        if order is None:
            raise BookingInProgress(
                "The booking was given up meanwhile; ask POST /quotes again.", code="broker.booking.given_up"
            )
        if is_placing(order):
            record_placed(session, order, delivery)
        view = view_of(session, order)
        view.quotes = quotes
        body = render(view)
        if idem.key is not None:
            row = session.scalar(select(IdempotencyKey).where(IdempotencyKey.key == idem.key))
            if row is not None:
                row.status_code, row.response = 201, body
                session.flush()
    return BookingAnswer(201, body)


def book_delivery(
    database: Database,
    context: QuotingContext,
    tenant_id: str,
    idem: IdempotencyAsk,
    quote_set_id: str,
    details: OrderDetails,
    render: Render,
    provider: str | None = None,
) -> BookingAnswer:
    """Book a delivery on one platform of a stored quote set (POST /deliveries), once.

    Three steps, so no transaction (and on SQLite no write lock) is held while a platform is
    asked: claim the quote (with the Idempotency-Key) in one short transaction, ask the platform
    with none open, record its answer in a second one. A refusal undoes the claim. A process
    that stops between them leaves the order `placing`; the pump (`finish_interrupted_bookings`)
    asks the platform again with the same reference (the platforms' idempotency key), so the
    booking is neither lost nor made twice. The own fleet is handed on over the bus, in one."""
    with database.tenant_transaction(tenant_id) as session:
        started = _start_idempotent(session, idem, render)
        if isinstance(started, BookingAnswer):
            return started
        if started is None:
            order, placing = claim_quote(
                session, context, tenant_id, find_quote_set(session, quote_set_id), details, provider
            )
            _claim_key(session, idem, order.id)
            if placing.provider == OWN_FLEET:  # nothing outside to ask: book it in this transaction
                return _own_fleet_booked(session, context, order, placing, idem, render, ())
    if isinstance(started, str):
        return _wait_for_placing(database, tenant_id, idem, render)
    return _finish(database, context, placing, idem, render)


def _own_fleet_booked(
    session: Session,
    context: QuotingContext,
    order: DeliveryOrder,
    placing: Placing,
    idem: IdempotencyAsk,
    render: Render,
    quotes: tuple[ProviderQuote, ...],
) -> BookingAnswer:
    try:
        delivery = place_claimed(context, placing)
    except PlatformError as exc:
        raise platform_problem(exc) from exc  # rolls the claim back with the transaction
    record_placed(session, order, delivery)
    view = view_of(session, order)
    view.quotes = quotes
    body = render(view)
    if idem.key is not None:
        row = session.scalar(select(IdempotencyKey).where(IdempotencyKey.key == idem.key))
        if row is not None:
            row.status_code, row.response = 201, body
            session.flush()
    return BookingAnswer(201, body)


def book_instant(
    database: Database,
    context: QuotingContext,
    tenant_id: str,
    idem: IdempotencyAsk,
    asked: TripAsked,
    details: OrderDetails,
    render: Render,
    dispatch_hint: str | None = None,
    own_fleet: bool = True,
) -> BookingAnswer:
    """Quote every platform and book the recommended one (POST /deliveries/instant); the own
    fleet among them unless `own_fleet` is False (a booking dispatch refused, booked again).

    The quotes are asked with no transaction open (a hanging platform holds no lock), the set
    stored by the group-committing writer like POST /quotes; then as `book_delivery`."""
    if idem.key is not None:  # a retry of a finished booking answers without quoting again
        answered = _stored_answer(database, tenant_id, idem)
        if answered is not None:
            return answered
    quote_set = call_platform(_quote_stored, context, asked, tenant_id, database, dispatch_hint, own_fleet)
    with database.tenant_transaction(tenant_id) as session:
        started = _start_idempotent(session, idem, render)
        if isinstance(started, BookingAnswer):
            return started
        if started is None:
            stored = find_quote_set(session, quote_set.quote_set_id)
            order, placing = claim_quote(session, context, tenant_id, stored, details)
            _claim_key(session, idem, order.id)
            if placing.provider == OWN_FLEET:
                return _own_fleet_booked(session, context, order, placing, idem, render, quote_set.quotes)
    if isinstance(started, str):
        return _wait_for_placing(database, tenant_id, idem, render)
    return _finish(database, context, placing, idem, render, quote_set.quotes)


async def _quote_stored(
    context: QuotingContext,
    asked: TripAsked,
    tenant_id: str,
    database: Database,
    dispatch_hint: str | None,
    own_fleet: bool,
) -> QuoteSet:
    terms = await asyncio.to_thread(context.own_fleet_terms, database, tenant_id) if own_fleet else None
    return await quote_trip(context, asked, tenant_id, database, own_fleet=terms, dispatch_hint=dispatch_hint)


REBOOKING = "-"  # rebooked_as_id while the platform booking of a refused own-fleet delivery runs


def rebook_on_platform(
    database: Database,
    context: QuotingContext,
    tenant_id: str,
    idem: IdempotencyAsk,
    delivery_id: str,
    render: Render,
    dispatch_hint: str | None = None,
) -> BookingAnswer:
    """An own-fleet booking dispatch refused, booked again on the recommended platform for the
    same trip, contacts and order number (POST /deliveries/{id}/rebook), once: a second click
    answers the delivery already booked."""
    with database.tenant_transaction(tenant_id) as session:
        order = find_order(session, delivery_id, for_update=True)
        if order is None:
            raise DeliveryNotFound(
                f"No delivery {delivery_id}.", code="broker.delivery.not_found", params={"id": delivery_id}
            )
        if order.provider != OWN_FLEET or order.dispatch_refusal is None:
            raise NotRebookable(
                "Only an own-fleet delivery dispatch refused is booked again on a platform.",
                code="broker.rebook.not_refused",
            )
        if order.rebooked_as_id == REBOOKING:
            raise BookingInProgress(
                "It is being booked on a platform; look again in a few seconds.", code="broker.rebook.in_progress"
            )
        if order.rebooked_as_id is not None:
            again = find_order(session, order.rebooked_as_id)
            if again is not None:
                return BookingAnswer(200, render(view_of(session, again)), replayed=True)
        order.rebooked_as_id = REBOOKING
        pickup, dropoff = order.pickup, order.dropoff
        now = datetime.now(UTC)
        asked = TripAsked(
            pickup=Place(float(pickup["lat"]), float(pickup["lng"]), str(pickup.get("address") or "")),
            dropoff=Place(float(dropoff["lat"]), float(dropoff["lng"]), str(dropoff.get("address") or "")),
            cod_amount=order.cod_amount,
            scheduled_at=order.scheduled_at if order.scheduled_at is not None and order.scheduled_at > now else None,
        )
        details = OrderDetails(
            pickup_contact=Contact(str(pickup.get("name") or ""), str(pickup.get("phone") or ""),
                                   str(pickup.get("notes") or "")),
            dropoff_contact=Contact(str(dropoff.get("name") or ""), str(dropoff.get("phone") or ""),
                                    str(dropoff.get("notes") or "")),
            reference=order.reference,
            goods_value=order.goods_value,
        )  # fmt: skip
    booked: BookingAnswer | None = None
    try:
        booked = book_instant(
            database, context, tenant_id, idem, asked, details, render, dispatch_hint, own_fleet=False
        )
    finally:
        with database.tenant_transaction(tenant_id) as session:
            order = find_order(session, delivery_id, for_update=True)
            if order is not None and order.rebooked_as_id == REBOOKING:
                new_id_ = booked.body.get("id") if booked is not None and isinstance(booked.body, dict) else None
                order.rebooked_as_id = str(new_id_) if new_id_ else None
    return booked


def finish_interrupted_bookings(
    context: QuotingContext, database: Database, now: datetime | None = None
) -> dict[str, int]:
    """Bookings claimed but never recorded (the process stopped while the platform was asked):
    ask the platform again with the same reference — it answers with the order it made, if it
    made one — and record it, or undo the claim when the platform refuses. Counts per outcome."""
    now = now or datetime.now(UTC)
    with database.system_transaction(read_only=True) as session:
        stale = interrupted_placings(session, PLACING, now - INTERRUPTED_AFTER)
    counts: dict[str, int] = {}
    for order_id, tenant_id in stale:
        with database.tenant_transaction(tenant_id, read_only=True) as session:
            order = find_order(session, order_id)
            if order is None or not is_placing(order):
                continue
            own_fleet = own_fleet_terms(session) if order.provider == OWN_FLEET else None
            quote_set = load_quote_set(session, order.quote_set_id) if order.quote_set_id else None
            quote = next((q for q in quote_set.quotes if q.provider == order.provider), None) if quote_set else None
            placing = Placing(order.id, tenant_id, order.provider, _booking_request(order, quote, "goods"), own_fleet)
        delivery: PlatformDelivery | None = None
        try:
            delivery = place_claimed(context, placing)
        except PlatformError as exc:
            log.warning("interrupted_booking_refused", delivery_id=order_id, error=str(exc))
        with database.tenant_transaction(tenant_id) as session:
            order = find_order(session, order_id, for_update=True)
            if order is None or not is_placing(order):
                continue
            if delivery is None:
                abandon_placing(session, order)
            else:
                record_placed(session, order, delivery)
        outcome = "released" if delivery is None else "placed"
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


# --- reading --------------------------------------------------------------------------------


def get_delivery(session: Session, delivery_id: str) -> DeliveryOrder:
    order = find_order(session, delivery_id)
    if order is None:
        raise DeliveryNotFound(
            f"No delivery {delivery_id}.", code="broker.delivery.not_found", params={"id": delivery_id}
        )
    return order


def delivery_detail(session: Session, delivery_id: str) -> DeliveryView:
    """One delivery with its history and every raw status received."""
    session.expire_all()  # the sandbox couriers' webhooks may have just moved it
    return view_of(session, get_delivery(session, delivery_id), with_events=True)


def list_deliveries(
    session: Session,
    *,
    limit: int,
    cursor: str | None,
    status: str | None = None,
    provider: str | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
) -> Page[DeliveryView]:
    """The merchant's deliveries, newest first (ids sort by creation)."""
    stmt = deliveries_query(status=status, provider=provider, created_from=created_from, created_to=created_to)
    return paginate(
        session, stmt, DeliveryOrder.id, limit=limit, cursor=cursor, descending=True,
        serialize=lambda o: view_of(session, o),
    )  # fmt: skip


@dataclass(frozen=True)
class Tracking:
    """What the consumer's public tracking page may show: status and milestones, coordinates of
    pickup, dropoff and courier; no names, phones, fees or the platform's own references."""

    no: str
    status: str
    provider: str
    eta: datetime | None
    history: tuple[StatusChange, ...]
    updated_at: datetime
    pickup: CourierPosition
    dropoff: CourierPosition
    courier: CourierPosition | None


FINISHED = ("delivered", "cancelled", "failed", "returned")


def tracking(session: Session, delivery_id: str) -> Tracking:
    """Public tracking of one delivery (any tenant's: the 80-random-bit id is the credential)."""
    order = find_order(session, delivery_id)
    if order is None:
        raise DeliveryNotFound("No such delivery.", code="broker.delivery.not_found", params={"id": delivery_id})
    view = view_of(session, order)
    # Where the courier is matters while the goods are on their way, not after.
    courier = view.courier if order.status not in FINISHED else None
    return Tracking(
        no=order.no,
        status=order.status,
        provider=order.provider,
        eta=order.eta_at,
        history=view.history,
        updated_at=view.updated_at,
        pickup=CourierPosition(order.pickup.get("lat"), order.pickup.get("lng"), None),  # type: ignore[arg-type]
        dropoff=CourierPosition(order.dropoff.get("lat"), order.dropoff.get("lng"), None),  # type: ignore[arg-type]
        courier=courier,
    )


# --- cancelling on a platform --------------------------------------------------------------


def cancel_on_platform(session: Session, context: QuotingContext, order: DeliveryOrder, reason: str) -> DeliveryView:
    """Cancel within the platform's own cancellation window (own-fleet deliveries are asked of
    dispatch instead: `own_fleet.service.request_cancel`)."""
    # The own fleet's refusal does not depend on its terms; any terms build it.
    platform = context.platform_for(order.provider, OwnFleetTerms(enabled=False, fee_twd=0), order.tenant_id)
    if platform is None or order.platform_ref is None:
        raise CancellationNotAllowed(
            f"{order.provider} is not reachable from this service.",
            code="broker.cancel.unreachable",
            params={"provider": order.provider},
        )
    now = datetime.now(UTC)
    refusal = cancellation_refusal(
        delivery_state(session, order),
        platform.cancellation_refusal(order.raw_status or "", order.courier_accepted_at, now),
    )
    if refusal is not None:
        raise cancellation_problem(refusal, order.status)
    try:
        delivery = call_platform(platform.cancel, order.platform_ref, reason)
    except CancellationRefused as exc:
        raise CancellationNotAllowed(
            exc.reason, code="broker.cancel.platform_refused", params={"reason": exc.reason}
        ) from exc
    except PlatformError as exc:
        raise platform_problem(exc) from exc
    record_status_update(session, order, update_from_platform_answer(order, delivery, f"cancel:{order.id}"))
    return view_of(session, order, with_events=True)


# --- webhooks and the sandbox couriers ----------------------------------------------------


def receive_webhook(
    context: QuotingContext, database: Database, provider: str, headers: dict[str, str], body: bytes
) -> tuple[int, dict[str, int]]:
    """Verify and apply one platform webhook; (updates received, outcome counts)."""
    platform = context.registry.by_provider(provider)
    if platform is None:
        raise DeliveryNotFound(
            f"No platform {provider}.", code="broker.platform.unknown", params={"provider": provider}
        )
    try:
        updates = platform.parse_webhook(headers, body)
    except WebhookSignatureInvalid as exc:
        raise WebhookRejected(str(exc)) from exc
    except ValueError as exc:  # a body that is not the platform's JSON (signed or not)
        raise WebhookRejected(f"{provider} webhook body does not parse: {exc}") from exc
    return len(updates), ingest_status_updates(database, updates)


def deliver_due_sandbox_webhooks(context: QuotingContext, database: Database) -> dict[str, int]:
    """Hand every simulated courier webhook that is due to the webhook pipeline; outcome counts.

    One webhook that cannot be applied is counted (`unknown`, `failed`) and logged, never allowed
    to stop the others: the pump and every read of the board run this."""
    counts: dict[str, int] = {}
    for sandbox in context.registry.sandboxes():
        try:
            hooks = sandbox.due_webhooks()
        except Exception:  # noqa: BLE001 - one platform's simulation must not stop the others
            log.exception("sandbox_webhooks_failed", provider=sandbox.provider)
            counts["failed"] = counts.get("failed", 0) + 1
            continue
        for hook in hooks:
            try:
                result = ingest_status_updates(database, sandbox.parse_webhook(hook.headers, hook.body))
            except UnknownDelivery:
                # Booked but not committed yet (or rolled back); the sandbox sends it again
                # on a later pass only as a duplicate, so count it and move on.
                counts["unknown"] = counts.get("unknown", 0) + 1
                continue
            except Exception:  # noqa: BLE001 - one bad webhook (or row) never stops the pump
                log.exception("sandbox_webhook_failed", provider=sandbox.provider)
                counts["failed"] = counts.get("failed", 0) + 1
                continue
            for key, n in result.items():
                counts[key] = counts.get(key, 0) + n
    return counts


@dataclass(frozen=True)
class SandboxSetting:
    """How one simulated platform behaves for one tenant."""

    provider: str
    behaviour: SandboxBehaviour

    def __getattr__(self, name: str) -> Any:
        return getattr(self.behaviour, name)


def _sandboxes(context: QuotingContext) -> list[SandboxPlatform]:
    sandboxes = context.registry.sandboxes()
    if not sandboxes:
        raise NoSandbox(
            "The service talks to live platforms; there are no sandbox couriers.", code="broker.sandbox.live"
        )
    return sandboxes


def sandbox_settings(context: QuotingContext, tenant_id: str) -> list[SandboxSetting]:
    """How each simulated platform behaves for the tenant (sandbox mode; none in live mode)."""
    return [SandboxSetting(p.provider, p.behaviour_for(tenant_id)) for p in context.registry.sandboxes()]


def set_sandbox_behaviour(
    context: QuotingContext, tenant_id: str, provider: str, changes: dict[str, Any]
) -> SandboxSetting:
    """Change one simulated platform for this tenant only (values already validated)."""
    platform = next((p for p in context.registry.sandboxes() if p.provider == provider), None)
    if platform is None:
        raise DeliveryNotFound(
            f"No sandbox platform {provider} (the service may talk to live platforms).",
            code="broker.sandbox.unknown",
            params={"provider": provider},
        )
    if changes.get("quote_error") == "":
        changes = {**changes, "quote_error": None}
    return SandboxSetting(provider, platform.set_behaviour(tenant_id, changes))


def advance_sandbox_couriers(context: QuotingContext, database: Database) -> dict[str, int]:
    """Deliver every simulated courier webhook that is due now."""
    _sandboxes(context)
    return deliver_due_sandbox_webhooks(context, database)
