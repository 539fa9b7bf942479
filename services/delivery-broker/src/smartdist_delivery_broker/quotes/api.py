"""HTTP for quotes: `POST /quotes` (SPEC §4.D contract) and `GET /quotes/{id}`."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Request
from starlette.concurrency import run_in_threadpool

from smartdist.auth.deps import current_principal, optional_principal, tenant_principal
from smartdist.auth.tokens import Principal
from smartdist.db import Database
from smartdist.problems import Forbidden, problem_responses
from smartdist.web.deps import DbSession, get_runtime
from smartdist.web.i18n import translator_for
from smartdist_delivery_broker.adapters.port import Place
from smartdist_delivery_broker.geocoding.service import Located, PointAsked
from smartdist_delivery_broker.own_fleet.domain import OwnFleetTerms
from smartdist_delivery_broker.quotes.domain import QuoteSet
from smartdist_delivery_broker.quotes.schemas import PlaceOut, Point, QuoteRequest, QuoteResponse
from smartdist_delivery_broker.quotes.service import (
    QuotingContext,
    TripAsked,
    context_for,
    find_quote_set,
    locate_trip,
    next_door,
    quote_trip,
)

router = APIRouter(tags=["quotes"])

QUOTING_ROLES = ("dispatcher", "clerk", "integrator")


def quoting_principal_sync(request: Request) -> Principal:
    """The checks of `require_roles(*QUOTING_ROLES)` as one function (no dependency hops)."""
    principal = tenant_principal(current_principal(optional_principal(request)))
    if not principal.has_role(*QUOTING_ROLES):
        raise Forbidden(
            f"This needs one of the roles: {', '.join(QUOTING_ROLES)}.",
            code="auth.role",
            params={"roles": ", ".join(QUOTING_ROLES)},
        )
    return principal


async def bearer_documented(authorization: Annotated[str | None, Header()] = None) -> None:
    """Documents the bearer token in OpenAPI; POST /quotes checks it with its terms read."""


Quoter = Annotated[Principal, Depends(quoting_principal_sync)]


def quoting_context(request: Request) -> QuotingContext:
    return context_for(request.app.state, get_runtime(request))


def point_asked(point: Point) -> PointAsked:
    return PointAsked(point.lat, point.lng, (point.address or "").strip())


def trip_asked(body: QuoteRequest, pickup: Place, dropoff: Place) -> TripAsked:
    return TripAsked(
        pickup=pickup,
        dropoff=dropoff,
        cod_amount=body.cod_amount,
        scheduled_at=body.scheduled_at,
        selection=body.selection,
        preferred_providers=tuple(body.preferred_providers),
    )


def _authorise_locate_and_read_terms(
    request: Request, context: QuotingContext, database: Database, body: QuoteRequest
) -> tuple[Principal, OwnFleetTerms | None, Located, Located]:
    """The quoting role check, the points given by address located, and the tenant's own-fleet
    terms, in one trip to the thread pool.

    All may touch the database (the token check reloads the revocation list every few seconds,
    the geocoding cache is a table) or the network (the geocoder), and a blocking call on the
    event loop stalls every other quote in flight.
    """
    principal = quoting_principal_sync(request)
    tenant = str(principal.tenant_id)
    pickup, dropoff = locate_trip(
        context, database, tenant, point_asked(body.pickup), point_asked(body.dropoff), translator_for(request).lang
    )
    return principal, context.own_fleet_terms(database, tenant), pickup, dropoff


def place_out(place: Place, located: Located | None = None) -> PlaceOut:
    found = located.found if located is not None else None
    return PlaceOut(
        lat=place.lat,
        lng=place.lng,
        address=place.address or None,
        found_address=found.address if found is not None else None,
        geocoder=found.provider if found is not None else None,
    )


def quote_answer(quote_set: QuoteSet, request: Request, located: tuple[Located, Located] | None = None) -> Any:
    """The set in the request's language, with the trip's points (and what the geocoder found)."""
    answer = QuoteResponse.model_validate(quote_set, context={"t": translator_for(request)})
    trip = quote_set.trip
    if trip is not None:
        answer.pickup = place_out(trip.pickup, located[0] if located else None)
        answer.dropoff = place_out(trip.dropoff, located[1] if located else None)
    return answer


GEOCODING_PROBLEMS = problem_responses(503)


def dispatch_next_door(request: Request) -> str | None:
    return next_door(str(request.scope.get("root_path", "")), str(request.base_url))


@router.post(
    "/quotes",
    response_model=QuoteResponse,
    dependencies=[Depends(bearer_documented)],
    responses=GEOCODING_PROBLEMS,
)
async def create_quotes(body: QuoteRequest, request: Request) -> Any:
    """Quote a trip on every platform at once; slow or failing platforms are reported unavailable.

    A pickup or dropoff given by its `address` alone is geocoded first (answered back under
    `pickup`/`dropoff` with `found_address`): an address no place is found at is a `422`
    `geocoding.not_found` naming the point, no geocoder set up a `422` `geocoding.not_configured`,
    a geocoder that does not answer a `503` `geocoding.unavailable` with `Retry-After`.

    `async` on purpose, and it never touches the database on the event loop: the role check, the
    geocoding and the terms are done in the thread pool, the set is stored by the quote-set writer
    thread, so the wait for the platforms holds no thread and no transaction."""
    started = time.monotonic()
    database = get_runtime(request).database
    context = quoting_context(request)
    principal, own_fleet, pickup, dropoff = await run_in_threadpool(
        _authorise_locate_and_read_terms, request, context, database, body
    )
    quote_set = await quote_trip(
        context, trip_asked(body, pickup.place, dropoff.place), str(principal.tenant_id), database,
        own_fleet=own_fleet, started=started, dispatch_hint=dispatch_next_door(request),
    )  # fmt: skip
    return quote_answer(quote_set, request, (pickup, dropoff))


@router.get(
    "/quotes/{quote_set_id}", response_model=QuoteResponse, responses={404: {"description": "No such quote set"}}
)
def get_quotes(
    quote_set_id: Annotated[str, Path(min_length=1, max_length=64)],
    principal: Quoter,
    session: DbSession,
    request: Request,
) -> Any:
    """A quote set this tenant asked for, with each quote's expiry."""
    return quote_answer(find_quote_set(session, quote_set_id), request)
