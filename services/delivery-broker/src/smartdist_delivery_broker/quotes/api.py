"""HTTP for quotes: `POST /quotes` (SPEC §4.D contract) and `GET /quotes/{id}`."""

from __future__ import annotations

import threading
import time
from collections import deque
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Header, Request
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
from smartdist_delivery_broker.quotes.writer import QuoteSetWriter

router = APIRouter(tags=["quotes"])

TAIPEI = ZoneInfo("Asia/Taipei")
# The deadline is for the whole answer the caller waits for: platforms get it minus what we
# need to parse, authorise, price and serialise (a few ms, more on a loaded machine).
ANSWER_HEADROOM_S = 0.03
# A quote set still waiting on a silent platform is stored this long before the deadline (from
# recent store times), so a hanging platform does not add the write to the caller's wait.
MIN_PERSIST_LEAD_S = 0.05
MAX_PERSIST_LEAD_S = 0.25
MIN_PLATFORM_WAIT_S = 0.05
TERMS_TTL_S = 5.0
QUOTING_ROLES = ("dispatcher", "clerk", "integrator")


def quoting_principal_sync(request: Request) -> Principal:
    """The checks of `require_roles(*QUOTING_ROLES)` as one function (no dependency hops)."""
    principal = tenant_principal(current_principal(optional_principal(request)))
    if not principal.has_role(*QUOTING_ROLES):
        raise Forbidden(f"This needs one of the roles: {', '.join(QUOTING_ROLES)}.")
    return principal


async def quoting_principal(request: Request) -> Principal:
    """The checks of `require_roles(*QUOTING_ROLES)` in one thread-pool trip (the token check
    may reload the revocation list from the database, which must not block the event loop)."""
    return await run_in_threadpool(quoting_principal_sync, request)


async def bearer_documented(authorization: Annotated[str | None, Header()] = None) -> None:
    """Documents the bearer token in OpenAPI; POST /quotes checks it with its terms read."""


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
        self.pump: Any = None  # the background courier pump (`orders/pump.py`), once it runs on this context
        self._store_s: deque[float] = deque(maxlen=200)
        self.writer = QuoteSetWriter()
        self._terms: dict[str, tuple[float, OwnFleetTerms | None]] = {}
        self._terms_lock = threading.Lock()  # guards the dict only; never held across a database call

    def own_fleet_terms(self, database: Database, tenant_id: str) -> OwnFleetTerms | None:
        """The tenant's offered own-fleet terms, read at most every TERMS_TTL_S seconds: on SQLite
        every read takes the write lock, so a read per quote would queue behind quote-set writes.
        A change through this process's PUT /own-fleet is seen at once (`forget_terms`); one made
        through another worker within TERMS_TTL_S."""
        now = time.monotonic()
        with self._terms_lock:
            cached = self._terms.get(tenant_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        terms = offered_own_fleet(database, tenant_id)
        with self._terms_lock:
            if len(self._terms) >= 10_000:
                self._terms.clear()
            self._terms[tenant_id] = (now + TERMS_TTL_S, terms)
        return terms

    def forget_terms(self, tenant_id: str) -> None:
        with self._terms_lock:
            self._terms.pop(tenant_id, None)

    async def store(self, database: Database, tenant_id: str, quote_set: QuoteSet) -> None:
        """Store the set through the group-committing writer, timing it for `answer_headroom_s`."""
        began = time.monotonic()
        try:
            await self.writer.store(database, tenant_id, quote_set)
        finally:
            self._store_s.append(time.monotonic() - began)

    def persist_lead_s(self) -> float:
        """How long before the platforms' deadline a set still waiting on a silent platform is
        stored provisionally (`gather_quotes(persist=…)`): twice the recent p99 of a store plus
        20 ms, within 50–250 ms, so the write is done by the deadline."""
        samples = sorted(self._store_s)
        if not samples:
            return MIN_PERSIST_LEAD_S
        p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
        return max(MIN_PERSIST_LEAD_S, min(MAX_PERSIST_LEAD_S, 2 * p99 + 0.02))

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
    orders. The background courier pump (`orders/pump.py`) moves this context's couriers."""
    info = runtime.database.info
    context = info.get(CONTEXT_KEY)
    if context is None:
        with _CONTEXT_LOCK:
            context = info.get(CONTEXT_KEY)
            if context is None:
                context = QuotingContext()
                info[CONTEXT_KEY] = context
    return context  # type: ignore[no-any-return]


def use_quoting_context(runtime: Any, context: QuotingContext) -> QuotingContext:
    """Make `context` the runtime's (tests, benchmarks: sandboxes with other settings), so the
    requests and the background courier pump both use it."""
    with _CONTEXT_LOCK:
        runtime.database.info[CONTEXT_KEY] = context
    return context


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


def _authorise_and_read_terms(
    request: Request, context: QuotingContext, database: Database
) -> tuple[Principal, OwnFleetTerms | None]:
    """The quoting role check and the tenant's own-fleet terms, in one trip to the thread pool.

    Both may touch the database (the token check reloads the revocation list every few seconds),
    and a database call on the event loop stalls every other quote in flight.
    """
    principal = quoting_principal_sync(request)
    return principal, context.own_fleet_terms(database, str(principal.tenant_id))


async def quote_trip(
    context: QuotingContext,
    body: QuoteRequest | Any,
    tenant_id: str,
    database: Database,
    session: Session | None = None,
    *,
    terms_read: bool = False,
    own_fleet: OwnFleetTerms | None = None,
    started: float | None = None,
) -> QuoteSet:
    """Quote pickup → dropoff of `body` on every platform (and the tenant's own fleet, when it
    offers one) and store the set for `tenant_id`.

    The deadline is the whole answer's, counted from `started` (the request's arrival): platforms
    get what is left of it minus 30 ms to answer. Alone (POST /quotes) nothing blocks the event
    loop: the terms are read in the thread pool (and cached, `own_fleet_terms`), and the set is
    stored by the group-committing writer — provisionally before the deadline when a platform is
    still silent (`gather_quotes(persist=…)`), so a hanging platform does not add the write to the
    caller's wait. Inside a request that already has its transaction (`session`, the instant
    booking) both use it: on SQLite a second transaction would wait for the first one's write
    lock. `terms_read`: the caller passes the tenant's offered `own_fleet` terms it already read.
    """
    started = time.monotonic() if started is None else started
    settings = context.registry.settings
    if not terms_read:
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
    spent = time.monotonic() - started
    platform_wait_s = max(MIN_PLATFORM_WAIT_S, settings.quote_deadline_s - ANSWER_HEADROOM_S - spent)

    async def persist(quote_set: QuoteSet) -> None:
        await context.store(database, tenant_id, quote_set)

    quote_set = await gather_quotes(
        trip,
        context.platforms_for(own_fleet),
        rules=context.rules,
        deadline_s=platform_wait_s,
        quote_ttl_s=settings.quote_ttl_s,
        selection=body.selection,
        preference=body.preferred_providers,
        stated_deadline_s=settings.quote_deadline_s,
        persist=persist if session is None else None,
        persist_lead_s=min(context.persist_lead_s(), platform_wait_s / 2),
    )
    if session is not None:
        save_quote_set(session, tenant_id, quote_set)
    return quote_set


@router.post("/quotes", response_model=QuoteResponse, dependencies=[Depends(bearer_documented)])
async def create_quotes(body: QuoteRequest, request: Request) -> JSONResponse:
    """Quote a trip on every platform at once; slow or failing platforms are reported unavailable."""
    started = time.monotonic()
    database = get_runtime(request).database
    context = quoting_context(request)
    principal, own_fleet = await run_in_threadpool(_authorise_and_read_terms, request, context, database)
    quote_set = await quote_trip(
        context,
        body,
        str(principal.tenant_id),
        database,
        terms_read=True,
        own_fleet=own_fleet,
        started=started,
    )
    return JSONResponse(quote_set_body(quote_set))


@router.get("/quotes/{quote_set_id}", response_model=QuoteResponse)
def get_quotes(quote_set_id: str, principal: Quoter, request: Request) -> JSONResponse:
    """A quote set this tenant asked for, with each quote's expiry."""
    with get_runtime(request).database.tenant_session(str(principal.tenant_id)) as session:
        found = load_quote_set(session, quote_set_id)
    if found is None:
        raise NotFound(f"No quote set {quote_set_id} (quote sets are kept for a day).")
    return JSONResponse(quote_set_body(found))
