"""Ask every platform for a quote in parallel, price by the programme schedule, recommend one.

The programme's schedule sets the fee (SPEC §4.D); platforms are asked so we learn whether they
can take the job now and how fast. A platform that fails, rate-limits us or does not answer
within the deadline is reported unavailable with the reason — it never delays the answer.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from smartdist_delivery_broker.adapters.port import (
    DeliveryPlatform,
    PlatformError,
    PlatformQuote,
    PlatformRateLimited,
    TripRequest,
)
from smartdist_delivery_broker.pricing import DEFAULT_RULES, BrokerRules, FeeQuote, quote_fee


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


class QuoteExpiredError(Exception):
    """The quote can no longer be booked; ask again."""


class QuoteNotBookable(Exception):
    """The chosen platform was unavailable in this quote."""


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


def _failure_reason(exc: BaseException) -> str:
    if isinstance(exc, PlatformRateLimited):
        wait = f"; retry after {exc.retry_after_s:g} s" if exc.retry_after_s else ""
        return f"platform rate limit reached ({exc.reason}){wait}"
    if isinstance(exc, PlatformError):
        return f"platform error: {exc.reason}"
    return f"platform error: {type(exc).__name__}: {exc}"


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
) -> QuoteSet:
    """Quote `trip` on every platform at once; answer within `deadline_s` whatever they do."""
    started = time.monotonic()
    created_at = clock()
    priced = {p.provider: price_on(p, trip, rules) for p in platforms}

    # Platforms the programme rules already exclude are not asked: the answer would not change.
    asked = [p for p in platforms if priced[p.provider].available]
    tasks: dict[str, asyncio.Task[PlatformQuote]] = {
        p.provider: asyncio.create_task(p.quote(trip), name=f"quote:{p.provider}") for p in asked
    }
    if tasks:
        remaining = max(0.0, deadline_s - (time.monotonic() - started))
        await asyncio.wait(tasks.values(), timeout=remaining)
    for task in tasks.values():
        if not task.done():
            task.cancel()

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
            quote_id=uuid.uuid4().hex,
        )
        asked_task = tasks.get(platform.provider)
        if asked_task is None:
            quotes.append(base)
            continue
        task = asked_task
        if not task.done() or task.cancelled():
            quotes.append(
                replace(
                    base,
                    available=False,
                    reason=f"platform did not answer within {int(deadline_s * 1000)} ms",
                )
            )
            continue
        exc = task.exception()
        if exc is not None:
            quotes.append(replace(base, available=False, reason=_failure_reason(exc)))
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
        trip=trip,
    )


def bookable_quote(quote_set: QuoteSet, provider: str, now: datetime) -> ProviderQuote:
    """The quote to book `provider` on, refusing unavailable or expired ones."""
    quote = quote_set.quote_for(provider)
    if quote is None or not quote.available:
        reason = quote.reason if quote else "not quoted"
        raise QuoteNotBookable(f"{provider} cannot take this job: {reason}")
    if quote.expires_at is None or now >= quote.expires_at:
        raise QuoteExpiredError(
            f"quote for {provider} expired at {quote.expires_at.isoformat() if quote.expires_at else 'creation'}"
        )
    return quote
