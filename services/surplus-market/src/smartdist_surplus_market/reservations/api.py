"""/api/v1/reservations: consumers reserve, cancel and rate; seller staff verify pickups."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import Response

from smartdist.auth import CurrentPrincipal, Principal, require_roles
from smartdist.db import utcnow
from smartdist.idempotency import HEADER, Idempotency, canonical_body
from smartdist.pagination import Cursor, Limit
from smartdist.problems import Forbidden, Unprocessable, problem_responses
from smartdist.timeparams import parse_bound
from smartdist.web.deps import DbSession, SystemDbSession
from smartdist_surplus_market.reservations import service
from smartdist_surplus_market.reservations.domain import (
    NotYourReservation,
    ReservationStateConflict,
    consumer_idempotency_key,
    qr_text,
)
from smartdist_surplus_market.reservations.qr import qr_svg
from smartdist_surplus_market.reservations.schemas import (
    CancelIn,
    PickupIn,
    RatingIn,
    ReservationIn,
    ReservationOut,
    ReservationPage,
)

SellerStaff = Annotated[Principal, require_roles("clerk", "integrator")]
ReservationStatus = Literal["reserved", "picked_up", "delivered", "cancelled", "no_show"]

router = APIRouter(tags=["reservations"])


def consumer(principal: CurrentPrincipal) -> Principal:
    if principal.kind != "consumer":
        raise Forbidden(
            "Reserving is for consumer accounts (POST /api/v1/auth/consumers/token at the console).",
            code="surplus.reservation.consumers_only",
        )
    return principal


Consumer = Annotated[Principal, Depends(consumer)]


@router.post(
    "/reservations",
    status_code=status.HTTP_201_CREATED,
    response_model=ReservationOut,
    responses=problem_responses(401, 402, 403, 404, 409, 422),
)
def reserve(body: ReservationIn, request: Request, session: SystemDbSession, principal: Consumer) -> Any:
    """Reserve units of a listing and authorise the payment (Idempotency-Key honoured); 409 when fewer are left."""
    listing = service.listing_for_consumer(session, body.listing_id)
    key = request.headers.get(HEADER)
    if key is not None and not 1 <= len(key) <= 200:
        raise Unprocessable(
            "Idempotency-Key must be 1-200 characters",
            code="idempotency.key_length",
            errors=[{"loc": ["header", HEADER], "message": "1-200 characters", "code": "idempotency.key_length"}],
        )
    idem = Idempotency(
        session,
        None if key is None else consumer_idempotency_key(principal.subject, key),
        "POST /api/v1/reservations",
        canonical_body(body.model_dump_json().encode()),
    )
    if idem.replay is not None:
        return idem.replay
    reservation = service.reserve(
        session,
        listing,
        consumer_id=principal.subject,
        consumer_name=principal.name,
        quantity=body.quantity,
        payment_token=body.payment_token,
        delivery=body.delivery,
    )
    service.queue_delivery_booking(session, reservation, base_hint=broker_next_door(request))
    return idem.save(201, service.reservation_out(reservation, listing, for_consumer=True))


def broker_next_door(request: Request) -> str | None:
    """In the one-process demo every service is mounted under its name on one origin."""
    root = str(request.scope.get("root_path", ""))
    if not root.endswith("/surplus-market"):
        return None
    return str(request.base_url).rstrip("/").removesuffix("/surplus-market") + "/delivery-broker"


@router.get("/reservations", response_model=ReservationPage, responses=problem_responses(401, 403, 422))
def list_reservations(
    session: SystemDbSession,
    principal: CurrentPrincipal,
    status: ReservationStatus | None = None,
    listing_id: Annotated[str | None, Query(max_length=64)] = None,
    pickup_day: Annotated[str | None, Query(description="YYYY-MM-DD: pickups due that day (Taipei).")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> ReservationPage:
    """A consumer's own reservations, or (seller staff) the store's, e.g. today's pickups."""
    if principal.kind == "consumer":
        rows, next_cursor = service.consumer_reservations(session, principal.subject, limit=limit, cursor=cursor)
        listings = service.listings_of(session, rows)
        return ReservationPage(
            items=[service.reservation_out(r, listings.get(r.listing_id), for_consumer=True) for r in rows],
            next_cursor=next_cursor,
        )
    if principal.tenant_id is None or not principal.has_role("clerk", "integrator"):
        raise Forbidden("This needs one of the roles: clerk, integrator.", code="surplus.staff_only")
    service.enter_tenant(session, principal.tenant_id)
    day = _day(pickup_day)
    rows, next_cursor = service.staff_reservations(
        session, status=status, listing_id=listing_id, pickup_day=day, limit=limit, cursor=cursor
    )
    listings = service.listings_of(session, rows)
    return ReservationPage(
        items=[service.reservation_out(r, listings.get(r.listing_id), for_consumer=False) for r in rows],
        next_cursor=next_cursor,
    )


def _day(value: str | None) -> tuple[datetime, datetime] | None:
    if not value:
        return None
    start = parse_bound(value, "pickup_day")
    if start is None or len(value) != 10:
        raise Unprocessable(
            "pickup_day is a date YYYY-MM-DD",
            code="surplus.reservation.pickup_day",
            errors=[{"loc": ["query", "pickup_day"], "message": "YYYY-MM-DD", "code": "surplus.pickup_day"}],
        )
    return start, start + timedelta(days=1)


def _reservation_for(session: Any, reservation_id: str, principal: Principal) -> tuple[Any, bool]:
    """(reservation, seen by its consumer) for the consumer who made it or the seller's staff."""
    if principal.kind == "consumer":
        return service.consumers_reservation(session, reservation_id, principal.subject), True
    if principal.tenant_id is None:
        raise NotYourReservation("This reservation is not yours.", code="surplus.reservation.not_yours")
    service.enter_tenant(session, principal.tenant_id)
    reservation = service.get_reservation(session, reservation_id)
    if not principal.has_role("clerk", "integrator"):
        raise Forbidden("This needs one of the roles: clerk, integrator.", code="surplus.staff_only")
    return reservation, False


@router.get("/reservations/{reservation_id}", response_model=ReservationOut, responses=problem_responses(401, 403, 404))
def get_reservation(reservation_id: str, session: SystemDbSession, principal: CurrentPrincipal) -> ReservationOut:
    """One reservation: to its consumer with the pickup code, to the seller's staff with fee and payout."""
    reservation, mine = _reservation_for(session, reservation_id, principal)
    service.settle_if_overdue(session, reservation, utcnow())
    return service.out(session, reservation, for_consumer=mine)


@router.post(
    "/reservations/{reservation_id}/pickup",
    response_model=ReservationOut,
    responses=problem_responses(401, 403, 404, 409, 422),
)
def pick_up(reservation_id: str, body: PickupIn, session: DbSession, principal: SellerStaff) -> ReservationOut:
    """The store checks the consumer's code (or QR) and hands the goods over; a wrong code is 422."""
    reservation = service.pick_up(session, reservation_id, body.pickup_code)
    return service.out(session, reservation, for_consumer=False)


@router.post(
    "/reservations/{reservation_id}/delivery/retry",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ReservationOut,
    responses=problem_responses(401, 403, 404, 409),
)
def retry_delivery(reservation_id: str, session: DbSession, principal: SellerStaff) -> ReservationOut:
    """Book the courier of a supplier order again now (after a failed booking); 409 when nothing is to book."""
    reservation = service.get_reservation(session, reservation_id)
    service.retry_booking(session, reservation)
    return service.out(session, reservation, for_consumer=False)


@router.post(
    "/reservations/{reservation_id}/cancel",
    response_model=ReservationOut,
    responses=problem_responses(401, 403, 404, 409),
)
def cancel(
    reservation_id: str, session: SystemDbSession, principal: CurrentPrincipal, body: CancelIn | None = None
) -> ReservationOut:
    """Cancel: the consumer until the pickup window starts, the seller until pickup; the payment is voided."""
    reservation, mine = _reservation_for(session, reservation_id, principal)
    service.cancel(session, reservation, by="consumer" if mine else "seller", reason=body.reason if body else "")
    return service.out(session, reservation, for_consumer=mine)


@router.post(
    "/reservations/{reservation_id}/rating",
    response_model=ReservationOut,
    responses=problem_responses(401, 403, 404, 409, 422),
)
def rate(reservation_id: str, body: RatingIn, session: SystemDbSession, principal: Consumer) -> ReservationOut:
    """Rate a collected or delivered order, once (1-5 stars)."""
    reservation = service.consumers_reservation(session, reservation_id, principal.subject)
    service.rate(session, reservation, body.stars, body.comment)
    return service.out(session, reservation, for_consumer=True)


@router.get(
    "/reservations/{reservation_id}/qr.svg",
    response_class=Response,
    responses={
        200: {"content": {"image/svg+xml": {}}, "description": "The pickup QR code."},
        **problem_responses(401, 403, 404, 409),
    },
)
def pickup_qr(reservation_id: str, session: SystemDbSession, principal: Consumer) -> Response:
    """The QR code the consumer shows at pickup (its text: ``SM1:<reservation>:<code>``)."""
    reservation = service.consumers_reservation(session, reservation_id, principal.subject)
    if reservation.status != "reserved":
        raise ReservationStateConflict(
            f"reservation {reservation_id} is {reservation.status}",
            code="surplus.reservation.state",
            params={"id": reservation_id, "status": reservation.status},
        )
    return Response(
        qr_svg(qr_text(reservation.id, reservation.pickup_code)),
        media_type="image/svg+xml",
        headers={"Cache-Control": "private, no-store"},
    )
