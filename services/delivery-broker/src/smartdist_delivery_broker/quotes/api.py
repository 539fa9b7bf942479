"""HTTP for quotes: `POST /quotes` (SPEC §4.D contract) and `GET /quotes/{id}`."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Request
from starlette.concurrency import run_in_threadpool

from smartdist.auth.deps import current_principal, optional_principal, tenant_principal
from smartdist.auth.tokens import Principal
from smartdist.db import Database
from smartdist.problems import Forbidden
from smartdist.web.deps import DbSession, get_runtime
from smartdist.web.i18n import translator_for
from smartdist_delivery_broker.adapters.port import Place
from smartdist_delivery_broker.own_fleet.domain import OwnFleetTerms
from smartdist_delivery_broker.quotes.schemas import Point, QuoteRequest, QuoteResponse
from smartdist_delivery_broker.quotes.service import (
    QuotingContext,
    TripAsked,
    context_for,
    find_quote_set,
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


def place(point: Point) -> Place:
    return Place(point.lat, point.lng, point.address or "")


def trip_asked(body: QuoteRequest) -> TripAsked:
    return TripAsked(
        pickup=place(body.pickup),
        dropoff=place(body.dropoff),
        cod_amount=body.cod_amount,
        scheduled_at=body.scheduled_at,
        selection=body.selection,
        preferred_providers=tuple(body.preferred_providers),
    )


def _authorise_and_read_terms(
    request: Request, context: QuotingContext, database: Database
) -> tuple[Principal, OwnFleetTerms | None]:
    """The quoting role check and the tenant's own-fleet terms, in one trip to the thread pool.

    Both may touch the database (the token check reloads the revocation list every few seconds),
    and a database call on the event loop stalls every other quote in flight.
    """
    principal = quoting_principal_sync(request)
    return principal, context.own_fleet_terms(database, str(principal.tenant_id))


def dispatch_next_door(request: Request) -> str | None:
    return next_door(str(request.scope.get("root_path", "")), str(request.base_url))


@router.post("/quotes", response_model=QuoteResponse, dependencies=[Depends(bearer_documented)])
async def create_quotes(body: QuoteRequest, request: Request) -> Any:
    """Quote a trip on every platform at once; slow or failing platforms are reported unavailable.

    `async` on purpose, and it never touches the database on the event loop: the role check and
    the terms are read in the thread pool, the set is stored by the quote-set writer thread, so
    the wait for the platforms holds no thread and no transaction."""
    started = time.monotonic()
    database = get_runtime(request).database
    context = quoting_context(request)
    principal, own_fleet = await run_in_threadpool(_authorise_and_read_terms, request, context, database)
    quote_set = await quote_trip(
        context, trip_asked(body), str(principal.tenant_id), database, own_fleet=own_fleet, started=started,
        dispatch_hint=dispatch_next_door(request),
    )  # fmt: skip
    return QuoteResponse.model_validate(quote_set, context={"t": translator_for(request)})


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
    found = find_quote_set(session, quote_set_id)
    return QuoteResponse.model_validate(found, context={"t": translator_for(request)})
