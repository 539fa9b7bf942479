"""HTTP for quotes: `POST /quotes` (SPEC §4.D contract) and `GET /quotes/{id}`."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from smartdist.auth.deps import current_principal, optional_principal, tenant_principal
from smartdist.auth.tokens import Principal
from smartdist.db import Database
from smartdist.problems import Forbidden, NotFound
from smartdist.web.deps import get_runtime
from smartdist_delivery_broker.adapters.own_fleet import OwnFleetPlatform
from smartdist_delivery_broker.adapters.port import DeliveryPlatform, Place, TripRequest
from smartdist_delivery_broker.adapters.registry import PlatformRegistry
from smartdist_delivery_broker.own_fleet.domain import PROVIDER as OWN_FLEET
from smartdist_delivery_broker.own_fleet.domain import OwnFleetTerms
from smartdist_delivery_broker.own_fleet.service import offered_own_fleet, own_fleet_terms
from smartdist_delivery_broker.pricing import BrokerRules, load_rules, trip_distance_m
from smartdist_delivery_broker.quotes.domain import QuoteSet, gather_quotes
from smartdist_delivery_broker.quotes.schemas import QuoteRequest, QuoteResponse
from smartdist_delivery_broker.quotes.store import load_quote_set, save_quote_set

router = APIRouter(tags=["quotes"])

TAIPEI = ZoneInfo("Asia/Taipei")
# The deadline is for the whole answer the caller waits for: platforms get it minus what we
# need to parse, authorise, price and serialise (a few ms, more on a loaded machine).
ANSWER_HEADROOM_S = 0.03
QUOTING_ROLES = ("dispatcher", "clerk", "integrator")


async def quoting_principal(request: Request) -> Principal:
    """The checks of `require_roles(*QUOTING_ROLES)`, run on the event loop.

    The caller measures the quote deadline end to end; the platform's sync auth dependencies
    each hop to the thread pool, which on a busy machine costs more than checking the token.
    """
    principal = tenant_principal(current_principal(optional_principal(request)))
    if not principal.has_role(*QUOTING_ROLES):
        raise Forbidden(f"This needs one of the roles: {', '.join(QUOTING_ROLES)}.")
    return principal


Quoter = Annotated[Principal, Depends(quoting_principal)]


class QuotingContext:
    """What quoting needs for one running service: its platforms and the fee rules.

    Quote sets are not kept here but in the database (`quotes/store.py`), so a booking finds its
    quote on any worker and after a restart. The merchant's own fleet is not in the registry:
    its terms are per tenant, so each quote and booking builds it from the tenant's terms.
    """

    def __init__(self, registry: PlatformRegistry | None = None, rules: BrokerRules | None = None):
        self.registry = registry or PlatformRegistry()
        self.rules = rules or load_rules(self.registry.settings.rules)
        self.pump: Any = None  # the background courier pump, when one runs for this context

    def platforms_for(self, own_fleet: OwnFleetTerms | None) -> list[DeliveryPlatform]:
        """The platforms to quote: the registry's, plus the own fleet when the tenant offers it."""
        platforms: list[DeliveryPlatform] = list(self.registry.platforms)
        if own_fleet is not None and own_fleet.enabled:
            platforms.append(OwnFleetPlatform(own_fleet))
        return platforms

    def platform_for(self, provider: str, own_fleet: OwnFleetTerms | None) -> DeliveryPlatform | None:
        if provider == OWN_FLEET:
            return OwnFleetPlatform(own_fleet) if own_fleet is not None else None
        return self.registry.by_provider(provider)


_CONTEXT_LOCK = threading.Lock()
CONTEXT_KEY = "smartdist_delivery_broker.quoting"


def context_for_runtime(runtime: Any) -> QuotingContext:
    """The runtime's one context (kept in its database's info, beside the runtime itself), created
    under a lock: two contexts would mean two sets of sandbox couriers, each unaware of the other's
    orders. Starts the background courier pump of a running service (`orders/pump.py`)."""
    info = runtime.database.info
    context = info.get(CONTEXT_KEY)
    if context is None:
        with _CONTEXT_LOCK:
            context = info.get(CONTEXT_KEY)
            if context is None:
                context = QuotingContext()
                info[CONTEXT_KEY] = context
                if runtime.started:
                    from smartdist_delivery_broker.orders.pump import start_pump

                    start_pump(context, runtime)
    return context  # type: ignore[no-any-return]


def quoting_context(request: Request) -> QuotingContext:
    """The app's context: one set on `app.state.delivery_quoting` (tests, benchmarks) wins,
    else the runtime's."""
    context = getattr(request.app.state, "delivery_quoting", None)
    if context is not None:
        return context  # type: ignore[no-any-return]
    return context_for_runtime(get_runtime(request))


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(TAIPEI).isoformat()


def quote_set_body(quote_set: QuoteSet) -> dict[str, Any]:
    quotes = []
    for q in quote_set.quotes:
        item: dict[str, Any] = {
            "provider": q.provider,
            "available": q.available,
            "fee": q.fee,
            "fee_breakdown": q.fee_breakdown,
            "quote_id": q.quote_id,
        }
        if q.eta_minutes is not None:
            item["eta_minutes"] = q.eta_minutes
        if q.reason is not None:
            item["reason"] = q.reason
        if q.expires_at is not None:
            item["expires_at"] = _time(q.expires_at)
        quotes.append(item)
    return {
        "quote_set_id": quote_set.quote_set_id,
        "distance_m": quote_set.distance_m,
        "cod_amount": quote_set.cod_amount,
        "quotes": quotes,
        "recommended": quote_set.recommended,
        "created_at": _time(quote_set.created_at),
        "expires_at": _time(quote_set.expires_at),
    }


def store_quote_set(database: Database, tenant_id: str, quote_set: QuoteSet) -> None:
    with database.tenant_transaction(tenant_id) as session:
        save_quote_set(session, tenant_id, quote_set)


async def quote_trip(
    context: QuotingContext,
    body: QuoteRequest | Any,
    tenant_id: str,
    database: Database,
    session: Session | None = None,
) -> QuoteSet:
    """Quote pickup → dropoff of `body` on every platform (and the tenant's own fleet, when it
    offers one) and store the set for `tenant_id`.

    Alone (POST /quotes) the two database calls run in short transactions in the thread pool: a
    blocking call on the event loop would hold every other quote waiting on it past its deadline.
    Inside a request that already has its transaction (`session`, the instant booking) they use
    it: on SQLite a second transaction would wait for the first one's write lock.
    """
    settings = context.registry.settings
    if session is None:
        own_fleet = await run_in_threadpool(offered_own_fleet, database, tenant_id)
    else:
        terms = own_fleet_terms(session)
        own_fleet = terms if terms is not None and terms.enabled else None
    pickup = Place(body.pickup.lat, body.pickup.lng, body.pickup.address or "")
    dropoff = Place(body.dropoff.lat, body.dropoff.lng, body.dropoff.address or "")
    trip = TripRequest(
        pickup=pickup,
        dropoff=dropoff,
        distance_m=trip_distance_m(pickup.lat, pickup.lng, dropoff.lat, dropoff.lng),
        cod_amount=body.cod_amount,
        scheduled_at=body.scheduled_at,
    )
    quote_set = await gather_quotes(
        trip,
        context.platforms_for(own_fleet),
        rules=context.rules,
        deadline_s=max(0.05, settings.quote_deadline_s - ANSWER_HEADROOM_S),
        quote_ttl_s=settings.quote_ttl_s,
        selection=body.selection,
        preference=body.preferred_providers,
    )
    if session is None:
        await run_in_threadpool(store_quote_set, database, tenant_id, quote_set)
    else:
        save_quote_set(session, tenant_id, quote_set)
    return quote_set


@router.post("/quotes", response_model=QuoteResponse)
async def create_quotes(body: QuoteRequest, principal: Quoter, request: Request) -> JSONResponse:
    """Quote a trip on every platform at once; slow or failing platforms are reported unavailable."""
    database = get_runtime(request).database
    quote_set = await quote_trip(quoting_context(request), body, str(principal.tenant_id), database)
    return JSONResponse(quote_set_body(quote_set))


@router.get("/quotes/{quote_set_id}", response_model=QuoteResponse)
def get_quotes(quote_set_id: str, principal: Quoter, request: Request) -> JSONResponse:
    """A quote set this tenant asked for, with each quote's expiry."""
    with get_runtime(request).database.tenant_session(str(principal.tenant_id)) as session:
        found = load_quote_set(session, quote_set_id)
    if found is None:
        raise NotFound(f"No quote set {quote_set_id} (quote sets are kept for a day).")
    return JSONResponse(quote_set_body(found))
