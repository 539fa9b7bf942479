"""Ask every platform for a quote in parallel, price by the programme schedule, recommend one.

The programme's schedule sets the fee (SPEC §4.D); platforms are asked so we learn whether they
can take the job now and how fast. A platform that fails, rate-limits us or does not answer
within the deadline is reported unavailable with the reason — it never delays the answer.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from smartdist.problems import NotFound, Problem
from smartdist_delivery_broker.adapters.own_fleet import OwnFleetCannotTake
from smartdist_delivery_broker.adapters.port import (
    DeliveryPlatform,
    PlatformError,
    PlatformQuote,
    PlatformRateLimited,
    TripRequest,
)
from smartdist_delivery_broker.pricing import DEFAULT_RULES, BrokerRules, FeeQuote, Reason, quote_fee


class Selection(StrEnum):
    CHEAPEST = "cheapest"
    FASTEST = "fastest"
    PREFERENCE = "preference"


@dataclass(frozen=True)
class ProviderQuote:
    provider: str
    available: bool
    fee: int
    fee_breakdown: dict[str, int]
    eta_minutes: int | None = None
    reason: str | None = None
    quote_id: str = ""
    expires_at: datetime | None = None
    platform_fee: int | None = None
    platform_quote_ref: str | None = None
    platform_stop_refs: tuple[str, ...] = ()
    # Why it is unavailable, as catalog codes and values (`reason` is their English text).
    reasons: tuple[Reason, ...] = ()


@dataclass(frozen=True)
class QuoteSet:
    distance_m: int
    cod_amount: int
    quotes: tuple[ProviderQuote, ...]
    recommended: str | None
    created_at: datetime
    expires_at: datetime | None
    quote_set_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    trip: TripRequest | None = None  # what was quoted, so a booking sends the same trip

    def quote_for(self, provider: str) -> ProviderQuote | None:
        return next((q for q in self.quotes if q.provider == provider), None)


class QuoteExpiredError(Problem):
    """The quote can no longer be booked; ask again."""

    status = 409
    title = "Quote has expired"


class QuoteNotBookable(Problem):
    """The chosen platform was unavailable in this quote (or no platform can take the job)."""

    status = 409
    title = "Platform cannot take this delivery"


class QuoteSetNotFound(NotFound):
    """No quote set with that id for this tenant (or it was pruned a day after it expired)."""


class QuoteAlreadyBooked(Problem):
    """A quote is booked once: a second booking of the same quote set is refused."""

    status = 409
    title = "Quote set already booked"


def _now() -> datetime:
    return datetime.now(UTC)


def recommend(
    quotes: Sequence[ProviderQuote],
    selection: Selection = Selection.CHEAPEST,
    preference: Sequence[str] = (),
) -> str | None:
    """Pick among available quotes only: cheapest (ETA breaks ties), fastest (fee breaks ties),
    or the merchant's first preferred platform that is available (else cheapest)."""
    candidates = [q for q in quotes if q.available]
    if not candidates:
        return None
    order = {q.provider: i for i, q in enumerate(quotes)}
    no_eta = 10**9

    def cheapest_key(q: ProviderQuote) -> tuple[int, int, int]:
        return (q.fee, q.eta_minutes if q.eta_minutes is not None else no_eta, order[q.provider])

    if selection is Selection.FASTEST:
        return min(
            candidates,
            key=lambda q: (q.eta_minutes if q.eta_minutes is not None else no_eta, q.fee, order[q.provider]),
        ).provider
    if selection is Selection.PREFERENCE:
        available = {q.provider for q in candidates}
        for provider in preference:
            if provider in available:
                return provider
    return min(candidates, key=cheapest_key).provider


def price_on(platform: DeliveryPlatform, trip: TripRequest, rules: BrokerRules) -> FeeQuote:
    """The programme schedule prices the platforms; a provider with its own terms (the merchant's
    own fleet) prices itself through a `price(trip)` method."""
    own_price = getattr(platform, "price", None)
    if callable(own_price):
        priced: FeeQuote = own_price(trip)
        return priced
    return quote_fee(trip.distance_m, trip.cod_amount, rules, platform.provider)


def _failure_reason(exc: BaseException) -> Reason:
    if isinstance(exc, OwnFleetCannotTake):
        code = exc.code or "refused"
        return Reason(f"own_fleet.dispatch.{code}", {}, f"dispatch cannot deliver it: {exc.reason}")
    if isinstance(exc, PlatformRateLimited):
        wait = f"; retry after {exc.retry_after_s:g} s" if exc.retry_after_s else ""
        return Reason(
            "rate_limited" if exc.retry_after_s else "rate_limited_now",
            {"retry_after_s": f"{exc.retry_after_s:g}" if exc.retry_after_s else ""},
            f"platform rate limit reached ({exc.reason}){wait}",
        )
    if isinstance(exc, PlatformError):
        return Reason("platform_error", {"detail": exc.reason}, f"platform error: {exc.reason}")
    detail = f"{type(exc).__name__}: {exc}"
    return Reason("platform_error", {"detail": detail}, f"platform error: {detail}")


Persist = Callable[[QuoteSet], Coroutine[Any, Any, None]]


async def gather_quotes(
    trip: TripRequest,
    platforms: Sequence[DeliveryPlatform],
    *,
    rules: BrokerRules = DEFAULT_RULES,
    deadline_s: float = 1.5,
    quote_ttl_s: float = 300.0,
    selection: Selection = Selection.CHEAPEST,
    preference: Sequence[str] = (),
    clock: Callable[[], datetime] = _now,
    stated_deadline_s: float | None = None,
    persist: Persist | None = None,
    persist_lead_s: float = 0.0,
) -> QuoteSet:
    """Quote `trip` on every platform at once; answer within `deadline_s` whatever they do.

    `stated_deadline_s` is the deadline named in a silent platform's reason (default `deadline_s`):
    the caller's whole-answer deadline, of which the platforms get a slightly smaller share.

    With `persist` the set is returned only once stored. Storing takes time the caller would wait
    for after the deadline, so when platforms are still silent `persist_lead_s` before the
    deadline, the set as it would be if they stayed silent is stored then, while waiting on; if
    none of them answers after all, that stored set is the answer and nothing is written after
    the deadline. Only a platform answering in that last stretch costs a second write (an upsert
    of the same quote set id: `persist` must replace a set it stored before)."""
    started = time.monotonic()
    cutoff = started + deadline_s
    created_at = clock()
    priced = {p.provider: price_on(p, trip, rules) for p in platforms}
    quote_ids = {p.provider: uuid.uuid4().hex for p in platforms}
    quote_set_id = uuid.uuid4().hex

    # Platforms the programme rules already exclude are not asked: the answer would not change.
    asked = [p for p in platforms if priced[p.provider].available]
    tasks: dict[str, asyncio.Task[PlatformQuote]] = {
        p.provider: asyncio.create_task(p.quote(trip), name=f"quote:{p.provider}") for p in asked
    }

    def snapshot() -> QuoteSet:
        return _assemble(
            trip, platforms, priced, tasks, quote_ids, quote_set_id, created_at,
            quote_ttl_s=quote_ttl_s, selection=selection, preference=preference,
            silent_ms=round((stated_deadline_s or deadline_s) * 1000),
        )  # fmt: skip

    def answered() -> frozenset[str]:
        return frozenset(p for p, task in tasks.items() if task.done() and not task.cancelled())

    early_at = cutoff - persist_lead_s
    early: tuple[frozenset[str], QuoteSet, asyncio.Task[None]] | None = None
    pending: set[asyncio.Task[PlatformQuote]] = set(tasks.values())
    while pending:
        now = time.monotonic()
        if now >= cutoff:
            break
        wake = early_at if persist is not None and early is None and now < early_at else cutoff
        _, pending = await asyncio.wait(pending, timeout=max(0.0, wake - now), return_when=asyncio.FIRST_COMPLETED)
        if persist is not None and early is None and pending and time.monotonic() >= early_at:
            provisional = snapshot()
            early = (answered(), provisional, asyncio.create_task(persist(provisional), name="quote:persist"))
    for task in tasks.values():
        if not task.done():
            task.cancel()
    final, final_answered = snapshot(), answered()

    if persist is None:
        return final
    if early is not None:
        early_answered, provisional, writing = early
        try:
            await writing
            stored = True
        except Exception:  # noqa: BLE001 - the final write below stores the set (or raises)
            stored = False
        if stored and early_answered == final_answered:
            return provisional
    await persist(final)
    return final


def _assemble(
    trip: TripRequest,
    platforms: Sequence[DeliveryPlatform],
    priced: dict[str, FeeQuote],
    tasks: dict[str, asyncio.Task[PlatformQuote]],
    quote_ids: dict[str, str],
    quote_set_id: str,
    created_at: datetime,
    *,
    quote_ttl_s: float,
    selection: Selection,
    preference: Sequence[str],
    silent_ms: int,
) -> QuoteSet:
    """The quote set from what the platforms have answered so far (the others: silent)."""
    own_expiry = created_at + timedelta(seconds=quote_ttl_s)
    quotes: list[ProviderQuote] = []
    for platform in platforms:
        fee = priced[platform.provider]
        base = ProviderQuote(
            provider=platform.provider,
            available=fee.available,
            fee=fee.fee,
            fee_breakdown=dict(fee.fee_breakdown),
            reason=fee.reason,
            quote_id=quote_ids[platform.provider],
            reasons=fee.reasons,
        )
        task = tasks.get(platform.provider)
        if task is None:
            quotes.append(base)
            continue
        if not task.done() or task.cancelled():
            silent = Reason("timeout", {"ms": silent_ms}, f"platform did not answer within {silent_ms} ms")
            quotes.append(replace(base, available=False, reason=silent.text, reasons=(silent,)))
            continue
        exc = task.exception()
        if exc is not None:
            failure = _failure_reason(exc)
            quotes.append(replace(base, available=False, reason=failure.text, reasons=(failure,)))
            continue
        answer = task.result()
        expires = own_expiry if answer.expires_at is None else min(own_expiry, answer.expires_at)
        quotes.append(
            replace(
                base,
                eta_minutes=answer.eta_minutes,
                expires_at=expires,
                platform_fee=answer.platform_fee,
                platform_quote_ref=answer.platform_quote_ref,
                platform_stop_refs=tuple(str(s) for s in answer.raw.get("stop_ids", ())),
            )
        )
    available_expiries = [q.expires_at for q in quotes if q.available and q.expires_at is not None]
    return QuoteSet(
        distance_m=trip.distance_m,
        cod_amount=trip.cod_amount,
        quotes=tuple(quotes),
        recommended=recommend(quotes, selection, preference),
        created_at=created_at,
        expires_at=min(available_expiries) if available_expiries else None,
        quote_set_id=quote_set_id,
        trip=trip,
    )


def bookable_quote(quote_set: QuoteSet, provider: str, now: datetime) -> ProviderQuote:
    """The quote to book `provider` on, refusing unavailable or expired ones."""
    quote = quote_set.quote_for(provider)
    if quote is None or not quote.available:
        reason = quote.reason if quote else "not quoted"
        raise QuoteNotBookable(
            f"{provider} cannot take this job: {reason}",
            code="broker.quote.unavailable",
            params={"provider": provider, "reason": reason},
        )
    if quote.expires_at is None or now >= quote.expires_at:
        at = quote.expires_at.isoformat() if quote.expires_at else "creation"
        raise QuoteExpiredError(
            f"quote for {provider} expired at {at}",
            code="broker.quote.expired",
            params={"provider": provider, "at": at},
        )
    return quote
