"""Use cases for quotes: quote a trip on every platform at once, store the set, find it again.

`QuotingContext` is what quoting needs for one running service (its platforms and fee rules);
the HTTP layer gets it with `context_for(app_state, runtime)`. Platform calls are coroutines
(httpx); `call_platform` runs one from a synchronous use case (a `def` handler's worker thread)
on the event loop, so the database work stays off the loop and the network wait off the thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import anyio.from_thread
import structlog
from sqlalchemy.orm import Session

from smartdist.db import Database
from smartdist.geocoding import Geocoder
from smartdist_delivery_broker.adapters.dispatch import DispatchCapacity
from smartdist_delivery_broker.adapters.own_fleet import OwnFleetPlatform
from smartdist_delivery_broker.adapters.port import DeliveryPlatform, Place, TripRequest
from smartdist_delivery_broker.adapters.registry import PlatformRegistry
from smartdist_delivery_broker.geocoding.service import Located, PointAsked, geocoder_for, locate
from smartdist_delivery_broker.own_fleet.domain import PROVIDER as OWN_FLEET
from smartdist_delivery_broker.own_fleet.domain import OwnFleetTerms
from smartdist_delivery_broker.own_fleet.repository import offered_own_fleet
from smartdist_delivery_broker.pricing import BrokerRules, load_rules, trip_distance_m
from smartdist_delivery_broker.quotes.domain import QuoteSet, QuoteSetNotFound, Selection, gather_quotes
from smartdist_delivery_broker.quotes.repository import load_quote_set, write_quote_sets

log = structlog.get_logger(__name__)
T = TypeVar("T")

# The deadline is for the whole answer the caller waits for: platforms get it minus what we
# need to parse, authorise, price and serialise (a few ms, more on a loaded machine).
ANSWER_HEADROOM_S = 0.03
# A quote set still waiting on a silent platform is stored this long before the deadline (from
# recent store times), so a hanging platform does not add the write to the caller's wait.
MIN_PERSIST_LEAD_S = 0.05
MAX_PERSIST_LEAD_S = 0.25
MIN_PLATFORM_WAIT_S = 0.05
TERMS_TTL_S = 5.0
MAX_BATCH = 64


def call_platform(fn: Callable[..., Coroutine[Any, Any, T]], *args: Any) -> T:
    """Run a platform coroutine from synchronous code: on the event loop that runs this worker
    thread (a `def` handler), else on a loop of its own (a script, a test)."""
    try:
        anyio.from_thread.check_cancelled()
    except RuntimeError:  # not a worker thread of an event loop
        return asyncio.run(_awaited(fn, *args))
    return anyio.from_thread.run(fn, *args)


async def _awaited(fn: Callable[..., Coroutine[Any, Any, T]], *args: Any) -> T:
    return await fn(*args)


@dataclass(frozen=True)
class TripAsked:
    """What a quote is asked for, in plain values (from POST /quotes or an instant booking)."""

    pickup: Place
    dropoff: Place
    cod_amount: int
    scheduled_at: datetime | None = None
    selection: Selection = Selection.CHEAPEST
    preferred_providers: tuple[str, ...] = ()

    def trip(self) -> TripRequest:
        return TripRequest(
            pickup=self.pickup,
            dropoff=self.dropoff,
            distance_m=trip_distance_m(self.pickup.lat, self.pickup.lng, self.dropoff.lat, self.dropoff.lng),
            cod_amount=self.cod_amount,
            scheduled_at=self.scheduled_at,
        )


class QuotingContext:
    """What quoting needs for one running service: its platforms and the fee rules.

    Quote sets are not kept here but in the database (`quotes/repository.py`), so a booking finds
    its quote on any worker and after a restart. The merchant's own fleet is not in the registry:
    its terms are per tenant, so each quote and booking builds it from the tenant's terms.
    """

    def __init__(self, registry: PlatformRegistry | None = None, rules: BrokerRules | None = None):
        self.registry = registry or PlatformRegistry()
        self.rules = rules or load_rules(self.registry.settings.rules)
        self.pump: Any = None  # the background courier pump (`orders/jobs.py`), once it runs on this context
        self._store_s: deque[float] = deque(maxlen=200)
        self.writer = QuoteSetWriter()
        self._terms: dict[str, tuple[float, OwnFleetTerms | None]] = {}
        self._terms_lock = threading.Lock()  # guards the dict only; never held across a database call
        # Dispatch's capacity check before the own fleet is offered: `dispatch` when set (tests),
        # else built from the runtime's settings (`context_for_runtime`) for a request's origin.
        self.dispatch: DispatchCapacity | None = None
        self.dispatch_for_origin: Callable[[str | None], DispatchCapacity | None] = lambda hint: None
        # Where a pickup or dropoff given by its address alone is looked up (None: coordinates needed).
        self.geocoder: Geocoder | None = geocoder_for(self.registry.settings)

    def dispatch_checker(self, hint: str | None) -> DispatchCapacity | None:
        """Who to ask whether a van can take a trip (None: the own fleet is offered by its terms)."""
        if self.dispatch is not None:
            return self.dispatch
        if self.registry.settings.dispatch_url == "off":
            return None
        return self.dispatch_for_origin(hint)

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
        """Store the set through the group-committing writer, timing it for `persist_lead_s`."""
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

    def platforms_for(
        self, own_fleet: OwnFleetTerms | None, tenant_id: str | None = None, dispatch_hint: str | None = None
    ) -> list[DeliveryPlatform]:
        """The platforms to quote for the tenant (a sandbox follows the tenant's behaviour), plus
        the own fleet when the tenant offers it (dispatch asked whether a van can take the trip)."""
        platforms = list(self.registry.platforms if tenant_id is None else self.registry.for_tenant(tenant_id))
        if own_fleet is not None and own_fleet.enabled:
            checker = self.dispatch_checker(dispatch_hint) if tenant_id is not None else None
            capacity = None
            if checker is not None and tenant_id is not None:
                tenant = tenant_id

                def capacity(trip: TripRequest, checker: DispatchCapacity = checker) -> Any:
                    return checker.check(tenant, trip)

            platforms.append(OwnFleetPlatform(own_fleet, capacity=capacity))
        return platforms

    def platform_for(
        self, provider: str, own_fleet: OwnFleetTerms | None, tenant_id: str | None = None
    ) -> DeliveryPlatform | None:
        if provider == OWN_FLEET:
            return OwnFleetPlatform(own_fleet) if own_fleet is not None else None
        if tenant_id is None:
            return self.registry.by_provider(provider)
        return self.registry.by_provider_for(provider, tenant_id)


def locate_trip(
    context: QuotingContext, database: Database, tenant_id: str, pickup: PointAsked, dropoff: PointAsked, language: str
) -> tuple[Located, Located]:
    """The trip's two points: given coordinates as they are, an address alone located through the
    context's geocoder and the tenant's cache (a coded 422 naming the point, or a 503)."""
    return (
        locate(context.geocoder, database, tenant_id, "pickup", pickup, language=language),
        locate(context.geocoder, database, tenant_id, "dropoff", dropoff, language=language),
    )


_CONTEXT_LOCK = threading.Lock()
CONTEXT_KEY = "smartdist_delivery_broker.quoting"


def context_for_runtime(runtime: Any) -> QuotingContext:
    """The runtime's one context (kept in its database's info, beside the runtime itself), created
    under a lock: two contexts would mean two sets of sandbox couriers, each unaware of the other's
    orders. The background courier pump (`orders/jobs.py`) moves this context's couriers. Its
    sandboxes sign with the installation's secrets, kept in the runtime's data dir."""
    info = runtime.database.info
    context = info.get(CONTEXT_KEY)
    if context is None:
        with _CONTEXT_LOCK:
            context = info.get(CONTEXT_KEY)
            if context is None:
                settings = getattr(runtime, "settings", None)
                data_dir = settings.resolved_data_dir() if settings is not None else None
                context = QuotingContext(PlatformRegistry(data_dir=data_dir))
                context.dispatch_for_origin = dispatch_from_runtime(
                    runtime, context.registry.settings.dispatch_url, context.registry.settings.dispatch_token
                )
                info[CONTEXT_KEY] = context
    return context  # type: ignore[no-any-return]


def next_door(root_path: str, base_url: str) -> str | None:
    """Dispatch's URL in the one-process demo, where every service is mounted under its name on
    one origin (this service's root path ends with /delivery-broker); else None."""
    if not root_path.endswith("/delivery-broker"):
        return None
    return (
        base_url.rstrip("/").removesuffix(root_path.rstrip("/"))
        + root_path.rstrip("/").removesuffix("/delivery-broker")
        + "/dispatch"
    )


TOKEN_TTL_S = 300
TOKEN_REUSE_S = 240.0


def dispatch_from_runtime(runtime: Any, url: str, token: str) -> Callable[[str | None], DispatchCapacity | None]:
    """Dispatch's capacity check for this runtime: `url` as set, or ('auto') the service URL the
    platform knows, else the request's origin in the one-process demo (`hint`); asked with a
    short-lived service token for the merchant signed with the platform key (or `token`)."""
    known = (getattr(getattr(runtime, "settings", None), "service_urls", None) or {}).get("dispatch")
    tokens: dict[str, tuple[float, str]] = {}
    lock = threading.Lock()

    def token_for(tenant_id: str) -> str:
        if token:
            return token
        now = time.monotonic()
        with lock:
            cached = tokens.get(tenant_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        from smartdist.auth.tokens import TokenSigner

        keys = getattr(runtime, "keys", None)
        if keys is None or keys.private_pem is None:
            raise RuntimeError("no key to sign a token for dispatch: set SMARTDIST_DELIVERY_BROKER_DISPATCH_TOKEN")
        issued, _ = TokenSigner(keys.private_pem).issue(
            kind="service", subject="delivery-broker", tenant_id=tenant_id, roles=["integrator"], ttl_s=TOKEN_TTL_S
        )
        with lock:
            if len(tokens) > 10_000:
                tokens.clear()
            tokens[tenant_id] = (now + TOKEN_REUSE_S, issued)
        return issued

    checkers: dict[str, DispatchCapacity] = {}

    def for_origin(hint: str | None) -> DispatchCapacity | None:
        base = url if url not in ("", "auto") else (known or hint)
        if not base:
            return None
        checker = checkers.get(base)
        if checker is None:
            checker = checkers.setdefault(base, DispatchCapacity(base, token_for))
        return checker

    return for_origin


def use_quoting_context(runtime: Any, context: QuotingContext) -> QuotingContext:
    """Make `context` the runtime's (tests, benchmarks: sandboxes with other settings), so the
    requests and the background courier pump both use it."""
    with _CONTEXT_LOCK:
        runtime.database.info[CONTEXT_KEY] = context
    return context


def context_for(app_state: Any, runtime: Any) -> QuotingContext:
    """The app's context: one set on `app.state.delivery_quoting` (tests, benchmarks) wins,
    else the runtime's."""
    context = getattr(app_state, "delivery_quoting", None)
    if context is not None:
        return context  # type: ignore[no-any-return]
    return context_for_runtime(runtime)


async def quote_trip(
    context: QuotingContext,
    asked: TripAsked,
    tenant_id: str,
    database: Database | None,
    *,
    own_fleet: OwnFleetTerms | None,
    started: float | None = None,
    dispatch_hint: str | None = None,
) -> QuoteSet:
    """Quote `asked` on every platform (and the tenant's offered `own_fleet`) for `tenant_id`.

    The deadline is the whole answer's, counted from `started` (the request's arrival): platforms
    get what is left of it minus 30 ms to answer. With a `database` the set is stored by the
    group-committing writer — provisionally before the deadline when a platform is still silent
    (`gather_quotes(persist=…)`), so a hanging platform does not add the write to the caller's
    wait. Without one (an instant booking) the caller saves it in its own transaction instead: on SQLite a
    second transaction would wait for the first one's write lock.
    """
    started = time.monotonic() if started is None else started
    settings = context.registry.settings
    platform_wait_s = max(
        MIN_PLATFORM_WAIT_S, settings.quote_deadline_s - ANSWER_HEADROOM_S - (time.monotonic() - started)
    )

    async def persist(quote_set: QuoteSet) -> None:
        assert database is not None
        await context.store(database, tenant_id, quote_set)

    return await gather_quotes(
        asked.trip(),
        context.platforms_for(own_fleet, tenant_id, dispatch_hint),
        rules=context.rules,
        deadline_s=platform_wait_s,
        quote_ttl_s=settings.quote_ttl_s,
        selection=asked.selection,
        preference=asked.preferred_providers,
        stated_deadline_s=settings.quote_deadline_s,
        persist=persist if database is not None else None,
        persist_lead_s=min(context.persist_lead_s(), platform_wait_s / 2),
    )


def find_quote_set(session: Session, quote_set_id: str) -> QuoteSet:
    """A quote set of the session's tenant, or QuoteSetNotFound (another tenant's id finds nothing)."""
    found = load_quote_set(session, quote_set_id)
    if found is None:
        raise QuoteSetNotFound(
            f"No quote set {quote_set_id} (quote sets are kept for a day); ask POST /quotes again.",
            code="broker.quote_set.not_found",
            params={"id": quote_set_id},
        )
    return found


@dataclass(frozen=True)
class _Pending:
    database: Database
    tenant_id: str
    quote_set: QuoteSet
    loop: asyncio.AbstractEventLoop
    done: asyncio.Future[None]


class QuoteSetWriter:
    """Group commit for quote sets: one writer thread stores every quote set waiting, in one transaction.

    A quote's answer waits for its set to be stored (a booking may reach another worker at once).
    Concurrent quotes under one platform's hang all finish at the deadline together; written one
    transaction each they queue for the database's write lock (SQLite) and pay a commit each, and
    the last one answers late. The writer takes whatever is queued and commits it together, so a
    burst costs about one commit. A failed batch is retried set by set, so one bad set fails alone.
    """

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[_Pending] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()  # guards starting the thread only
        self.batches = 0
        self.written = 0

    async def store(self, database: Database, tenant_id: str, quote_set: QuoteSet) -> None:
        """Store `quote_set` for `tenant_id`; returns once it is committed (raises if it failed)."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        self._ensure_thread()
        self._queue.put(_Pending(database, tenant_id, quote_set, loop, done))
        await done

    def _ensure_thread(self) -> None:
        if self._thread is not None:
            return
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="quote-set-writer", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            by_database: dict[int, list[_Pending]] = {}
            for item in batch:
                by_database.setdefault(id(item.database), []).append(item)
            for items in by_database.values():
                self._write(items)

    def _write(self, items: list[_Pending]) -> None:
        try:
            write_quote_sets(items[0].database, [(i.tenant_id, i.quote_set) for i in items])
            self.batches += 1
            self.written += len(items)
            for item in items:
                _settle(item, None)
            return
        except Exception as exc:  # noqa: BLE001 - retried one by one below, or reported to each caller
            if len(items) == 1:
                _settle(items[0], exc)
                return
            log.warning("quote_set_batch_failed", size=len(items), error=repr(exc))
        for item in items:
            self._write([item])


def _settle(item: _Pending, error: BaseException | None) -> None:
    def resolve(future: asyncio.Future[Any] = item.done) -> None:
        if future.done():
            return  # the request was cancelled (client gone)
        if error is None:
            future.set_result(None)
        else:
            future.set_exception(error)

    # A closed event loop (RuntimeError) means nobody waits any more.
    with contextlib.suppress(RuntimeError):
        item.loop.call_soon_threadsafe(resolve)
