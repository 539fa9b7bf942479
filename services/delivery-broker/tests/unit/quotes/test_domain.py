import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest

from smartdist_delivery_broker.adapters.port import Place, TripRequest
from smartdist_delivery_broker.adapters.sandbox import SandboxBehaviour, SandboxPlatform, sandbox_platforms
from smartdist_delivery_broker.quotes.domain import (
    ProviderQuote,
    QuoteExpiredError,
    QuoteNotBookable,
    QuoteSet,
    Selection,
    bookable_quote,
    gather_quotes,
    recommend,
)

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
TAIPEI_101 = Place(25.0340, 121.5645, "Taipei 101")


def trip(distance_m: int, cod_amount: int = 0) -> TripRequest:
    return TripRequest(TAIPEI_101, Place(25.05, 121.52), distance_m, cod_amount)


def quotes_for(distance_m: int, cod: int = 0, **behaviours: SandboxBehaviour):  # type: ignore[no-untyped-def]
    platforms = sandbox_platforms(behaviours, clock=lambda: NOW)
    return asyncio.run(gather_quotes(trip(distance_m, cod), platforms, deadline_s=0.3, clock=lambda: NOW))


def test_all_three_platforms_answer_with_the_schedule_fee() -> None:
    result = quotes_for(2000, 500)
    assert [q.provider for q in result.quotes] == ["pandago", "uber_direct", "lalamove"]
    assert [q.fee for q in result.quotes] == [125, 125, 95]
    assert all(q.available and q.eta_minutes for q in result.quotes)
    assert result.recommended == "lalamove"


def test_hanging_platform_is_unavailable_and_the_answer_keeps_the_deadline() -> None:
    platforms = sandbox_platforms({"uber_direct": SandboxBehaviour(hang_quotes=True)}, clock=lambda: NOW)
    started = time.perf_counter()
    result = asyncio.run(gather_quotes(trip(2000), platforms, deadline_s=0.2, clock=lambda: NOW))
    elapsed = time.perf_counter() - started
    assert elapsed < 0.2 + 0.05
    uber = result.quote_for("uber_direct")
    assert uber is not None and not uber.available and "did not answer within 200 ms" in (uber.reason or "")
    assert result.quote_for("pandago").available  # type: ignore[union-attr]


def test_broken_and_rate_limited_platforms_are_reported_with_their_reason() -> None:
    result = quotes_for(
        2000,
        pandago=SandboxBehaviour(quote_error="503 Service Unavailable"),
        lalamove=SandboxBehaviour(rate_limited=True),
    )
    assert "503 Service Unavailable" in (result.quote_for("pandago").reason or "")  # type: ignore[union-attr]
    assert "rate limit" in (result.quote_for("lalamove").reason or "")  # type: ignore[union-attr]
    assert result.recommended == "uber_direct"


def test_programme_rules_exclude_platforms_with_reasons() -> None:
    result = quotes_for(8001, 2001)
    pandago, uber, lalamove = result.quotes
    assert not pandago.available and "distance limit" in (pandago.reason or "")
    assert not uber.available and "COD" in (uber.reason or "") and "distance" in (uber.reason or "")
    assert lalamove.available and result.recommended == "lalamove"


def test_no_platform_available_means_no_recommendation() -> None:
    result = quotes_for(9000, 0, lalamove=SandboxBehaviour(quote_error="down"))
    assert result.recommended is None and not any(q.available for q in result.quotes)


def q(provider: str, fee: int, eta: int | None, available: bool = True) -> ProviderQuote:
    return ProviderQuote(provider, available, fee, {}, eta)


def test_recommendation_cheapest_fastest_and_preference_only_among_available() -> None:
    quotes = [q("pandago", 125, 20), q("uber_direct", 125, 12), q("lalamove", 95, 30, available=False)]
    assert recommend(quotes, Selection.CHEAPEST) == "uber_direct"  # tie on fee: faster wins
    assert recommend(quotes, Selection.FASTEST) == "uber_direct"
    assert recommend(quotes, Selection.PREFERENCE, ["lalamove", "pandago"]) == "pandago"
    assert recommend(quotes, Selection.PREFERENCE, ["own_fleet"]) == "uber_direct"


def test_quotes_remember_their_expiry_and_refuse_late_booking() -> None:
    result = quotes_for(2000)
    lalamove = result.quote_for("lalamove")
    uber = result.quote_for("uber_direct")
    pandago = result.quote_for("pandago")
    assert lalamove.expires_at == NOW + timedelta(minutes=5)  # type: ignore[union-attr]
    assert uber.expires_at == NOW + timedelta(minutes=5)  # broker TTL is shorter than Uber's 15  # type: ignore[union-attr]
    assert pandago.expires_at == NOW + timedelta(minutes=5)  # type: ignore[union-attr]
    assert bookable_quote(result, "lalamove", NOW + timedelta(minutes=4)).provider == "lalamove"
    with pytest.raises(QuoteExpiredError):
        bookable_quote(result, "lalamove", NOW + timedelta(minutes=5))


def test_unavailable_quote_cannot_be_booked() -> None:
    result = quotes_for(8001)
    with pytest.raises(QuoteNotBookable, match="distance limit"):
        bookable_quote(result, "pandago", NOW)


def test_a_set_waiting_on_a_hanging_platform_is_stored_before_the_deadline_and_not_again() -> None:
    stored: list[tuple[float, QuoteSet]] = []

    async def persist(quote_set: QuoteSet) -> None:
        await asyncio.sleep(0.02)  # a write
        stored.append((time.monotonic(), quote_set))

    async def run(late_s: float | None) -> tuple[QuoteSet, float, float]:
        stored.clear()
        late = SandboxBehaviour(quote_latency_s=late_s or 0, hang_quotes=late_s is None)
        platforms = [
            SandboxPlatform("pandago", SandboxBehaviour(quote_latency_s=0.01)),
            SandboxPlatform("lalamove", late),
        ]
        began = time.monotonic()
        result = await gather_quotes(trip(3000), platforms, deadline_s=0.3, persist=persist, persist_lead_s=0.1)
        return result, began, time.monotonic()

    result, began, ended = asyncio.run(run(None))
    assert [s for _, s in stored] == [result]  # one write, made before the deadline, is the answer
    assert stored[0][0] - began < 0.3 - 0.05 <= ended - began  # stored while still waiting
    lalamove = result.quote_for("lalamove")
    assert lalamove is not None and not lalamove.available and "did not answer within 300 ms" in str(lalamove.reason)

    # The silent platform answers after the provisional write: the final set replaces it.
    result, _, _ = asyncio.run(run(0.25))
    assert len(stored) == 2 and stored[-1][1] is result
    first, final = stored[0][1], stored[1][1]
    assert first.quote_set_id == final.quote_set_id
    assert not first.quote_for("lalamove").available and final.quote_for("lalamove").available  # type: ignore[union-attr]
