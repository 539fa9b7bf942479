"""HTTP for quotes: `POST /quotes` (SPEC §4.D contract) and `GET /quotes/{id}`."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from smartdist.auth.deps import current_principal, optional_principal, tenant_principal
from smartdist.auth.tokens import Principal
from smartdist.problems import Forbidden, NotFound
from smartdist_delivery_broker.adapters.port import Place, TripRequest
from smartdist_delivery_broker.adapters.registry import PlatformRegistry
from smartdist_delivery_broker.pricing import BrokerRules, load_rules, trip_distance_m
from smartdist_delivery_broker.quotes.book import QuoteBook
from smartdist_delivery_broker.quotes.domain import QuoteSet, gather_quotes
from smartdist_delivery_broker.quotes.schemas import QuoteRequest, QuoteResponse

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
    """What quoting needs for one running service: platforms, rules, remembered quotes."""

    def __init__(self, registry: PlatformRegistry | None = None, rules: BrokerRules | None = None):
        self.registry = registry or PlatformRegistry()
        self.rules = rules or load_rules(self.registry.settings.rules)
        self.book = QuoteBook()


_CONTEXT_LOCK = threading.Lock()


def quoting_context(request: Request) -> QuotingContext:
    """The app's one context; sync endpoints run in threads, so it is created under a lock
    (two contexts would mean two sets of sandbox couriers, each unaware of the other's orders)."""
    state = request.app.state
    context = getattr(state, "delivery_quoting", None)
    if context is None:
        with _CONTEXT_LOCK:
            context = getattr(state, "delivery_quoting", None)
            if context is None:
                context = QuotingContext()
                state.delivery_quoting = context
    return context


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


async def quote_trip(context: QuotingContext, body: QuoteRequest | Any, tenant_id: str) -> QuoteSet:
    """Quote pickup → dropoff of `body` on every platform and remember the set for `tenant_id`."""
    settings = context.registry.settings
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
        context.registry.platforms,
        rules=context.rules,
        deadline_s=max(0.05, settings.quote_deadline_s - ANSWER_HEADROOM_S),
        quote_ttl_s=settings.quote_ttl_s,
        selection=body.selection,
        preference=body.preferred_providers,
    )
    context.book.remember(tenant_id, quote_set, datetime.now(UTC))
    return quote_set


@router.post("/quotes", response_model=QuoteResponse)
async def create_quotes(body: QuoteRequest, principal: Quoter, request: Request) -> JSONResponse:
    """Quote a trip on every platform at once; slow or failing platforms are reported unavailable."""
    quote_set = await quote_trip(quoting_context(request), body, str(principal.tenant_id))
    return JSONResponse(quote_set_body(quote_set))


@router.get("/quotes/{quote_set_id}", response_model=QuoteResponse)
def get_quotes(quote_set_id: str, principal: Quoter, request: Request) -> JSONResponse:
    """A quote set this tenant asked for, with each quote's expiry."""
    found = quoting_context(request).book.find(str(principal.tenant_id), quote_set_id)
    if found is None:
        raise NotFound(f"No quote set {quote_set_id} (quote sets are kept until shortly after they expire).")
    return JSONResponse(quote_set_body(found))
