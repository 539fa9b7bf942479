"""Quotes through the real adapters, each talking HTTP to its fake platform server."""

import asyncio
import time
from typing import Any

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from delivery_broker_fakes.lalamove import FakeLalamove
from delivery_broker_fakes.pandago import FakePandago
from delivery_broker_fakes.uber_direct import FakeUberDirect

from smartdist_delivery_broker.adapters import lalamove, pandago, uber_direct
from smartdist_delivery_broker.adapters.port import Place, TripRequest
from smartdist_delivery_broker.quotes.domain import gather_quotes

TRIP = TripRequest(Place(25.034, 121.5645), Place(25.0478, 121.517), 5025, cod_amount=1500)


def platforms_over_fakes() -> tuple[list[Any], dict[str, Any]]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    fakes = {
        "pandago": FakePandago("pandago:tw:1", "kid", public),
        "uber_direct": FakeUberDirect("cid", "secret", "cus_1"),
        "lalamove": FakeLalamove("pk", "sk"),
    }

    def client(name: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=fakes[name].app))

    platforms = [
        pandago.PandagoPlatform(pandago.PandagoCredentials("pandago:tw:1", "kid", private), client("pandago")),
        uber_direct.UberDirectPlatform(
            uber_direct.UberDirectCredentials("cid", "secret", "cus_1", "whk"), client("uber_direct")
        ),
        lalamove.LalamovePlatform(lalamove.LalamoveCredentials("pk", "sk"), client("lalamove")),
    ]
    return platforms, fakes


def test_all_platform_apis_quote_in_parallel_and_a_hanging_one_is_cut_at_the_deadline() -> None:
    platforms, fakes = platforms_over_fakes()
    healthy = asyncio.run(gather_quotes(TRIP, platforms, deadline_s=2.0))
    assert all(q.available for q in healthy.quotes)
    assert [q.fee for q in healthy.quotes] == [180, 180, 150]
    assert all(q.platform_fee for q in healthy.quotes)

    fakes["uber_direct"].hang = True
    started = time.perf_counter()
    degraded = asyncio.run(gather_quotes(TRIP, platforms, deadline_s=0.3))
    assert time.perf_counter() - started < 0.35
    uber = degraded.quote_for("uber_direct")
    assert uber is not None and not uber.available and "did not answer" in (uber.reason or "")
    assert degraded.recommended == "lalamove"


def test_rate_limited_platform_api_is_reported_with_its_retry_hint() -> None:
    platforms, fakes = platforms_over_fakes()
    fakes["lalamove"].rate_limit = 0
    result = asyncio.run(gather_quotes(TRIP, platforms, deadline_s=2.0))
    reason = result.quote_for("lalamove").reason or ""  # type: ignore[union-attr]
    assert "rate limit" in reason and "retry after 10 s" in reason
