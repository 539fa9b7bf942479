"""POST /api/v1/quotes over HTTP: the SPEC §4.D contract, 422 problem+json, deadline, tenancy."""

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from smartdist.auth.tokens import TokenSigner
from smartdist.config import PlatformSettings
from smartdist.runtime import ServiceRuntime
from smartdist.web.app import create_service_app
from smartdist_delivery_broker.adapters.registry import PlatformRegistry
from smartdist_delivery_broker.app import DEFINITION
from smartdist_delivery_broker.config import Settings as BrokerPlatformSettings
from smartdist_delivery_broker.quotes import service as quotes_api

DEADLINE_S = 0.3
TAIPEI_101 = {"lat": 25.0340, "lng": 121.5645, "address": "Taipei 101"}
MAIN_STATION = {"lat": 25.0478, "lng": 121.5170}


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, ServiceRuntime]]:
    data_dir: Path = tmp_path_factory.mktemp("broker")
    definition = DEFINITION
    runtime = ServiceRuntime(definition, PlatformSettings(data_dir=data_dir, run_background=False, log_json=False))
    app = create_service_app(runtime)
    settings = BrokerPlatformSettings(
        sandbox_quote_latency_s=0.01, quote_deadline_s=DEADLINE_S, sandbox_duplicate_probability=0
    )
    app.state.delivery_quoting = quotes_api.QuotingContext(PlatformRegistry(settings))
    with TestClient(app) as client:
        yield client, runtime


def token(runtime: ServiceRuntime, tenant: str, roles: tuple[str, ...] = ("owner",)) -> dict[str, str]:
    assert runtime.keys.private_pem is not None
    value, _ = TokenSigner(runtime.keys.private_pem).issue(
        kind="api_key", subject=f"key-{tenant}", tenant_id=tenant, roles=roles, ttl_s=None
    )
    return {"Authorization": f"Bearer {value}"}


def post_quotes(service: Any, body: Any, tenant: str = "tenant-a") -> Any:
    client, runtime = service
    return client.post("/api/v1/quotes", json=body, headers=token(runtime, tenant))


def test_quote_answer_has_the_contract_shape_and_schedule_fees(service: Any) -> None:
    response = post_quotes(service, {"pickup": TAIPEI_101, "dropoff": MAIN_STATION, "cod_amount": 1500})
    assert response.status_code == 200
    body = response.json()
    assert body["distance_m"] == 5023 or 5000 < body["distance_m"] < 5100
    assert [q["provider"] for q in body["quotes"]] == ["pandago", "uber_direct", "lalamove"]
    fees = {q["provider"]: q["fee"] for q in body["quotes"]}
    assert fees == {"pandago": 180, "uber_direct": 180, "lalamove": 150}
    for quote in body["quotes"]:
        assert set(quote) >= {"provider", "available", "fee", "fee_breakdown", "quote_id"}
        assert isinstance(quote["fee_breakdown"], dict)
    assert body["recommended"] == "lalamove"


def test_cod_over_uber_cap_makes_uber_unavailable_with_reason(service: Any) -> None:
    body = post_quotes(service, {"pickup": TAIPEI_101, "dropoff": MAIN_STATION, "cod_amount": 2001}).json()
    uber = next(q for q in body["quotes"] if q["provider"] == "uber_direct")
    assert uber["available"] is False and uber["reason_code"] == "cod_cap" and "上限 2000 元" in uber["reason"]
    pandago = next(q for q in body["quotes"] if q["provider"] == "pandago")
    assert pandago["available"] is True and "reason" not in pandago


@pytest.mark.parametrize(
    "body",
    [
        {"dropoff": MAIN_STATION, "cod_amount": 0},
        {"pickup": {"lat": 91, "lng": 121.5}, "dropoff": MAIN_STATION, "cod_amount": 0},
        {"pickup": {"lat": 25.0, "lng": 181}, "dropoff": MAIN_STATION, "cod_amount": 0},
        {"pickup": TAIPEI_101, "dropoff": MAIN_STATION, "cod_amount": -1},
        {"pickup": TAIPEI_101, "dropoff": MAIN_STATION, "cod_amount": 1.5},
        {"pickup": TAIPEI_101, "dropoff": MAIN_STATION, "cod_amount": "100"},
        {"pickup": TAIPEI_101, "dropoff": MAIN_STATION},
        {"pickup": TAIPEI_101, "dropoff": MAIN_STATION, "cod_amount": 0, "surprise": 1},
        {"pickup": {"lat": "25.0", "lng": 121.5}, "dropoff": MAIN_STATION, "cod_amount": 0},
        {"pickup": TAIPEI_101, "dropoff": MAIN_STATION, "cod_amount": 0, "scheduled_at": "tomorrow"},
        {"pickup": TAIPEI_101, "dropoff": MAIN_STATION, "cod_amount": 0, "scheduled_at": "2026-11-26T10:00:00"},
        [1, 2, 3],
    ],
)
def test_bad_input_is_answered_422_problem_json_naming_the_field(service: Any, body: Any) -> None:
    response = post_quotes(service, body)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == 422 and problem["title"] and problem["type"]
    assert problem["errors"] and all("loc" in e and "message" in e for e in problem["errors"])


def test_malformed_json_is_422_problem_json(service: Any) -> None:
    client, runtime = service
    response = client.post(
        "/api/v1/quotes",
        content=b"{not json",
        headers={**token(runtime, "tenant-a"), "content-type": "application/json"},
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


def test_quotes_need_credentials(service: Any) -> None:
    client, _ = service
    response = client.post("/api/v1/quotes", json={"pickup": TAIPEI_101, "dropoff": MAIN_STATION, "cod_amount": 0})
    assert response.status_code == 401


def test_a_driver_token_may_not_quote(service: Any) -> None:
    client, runtime = service
    response = client.post(
        "/api/v1/quotes",
        json={"pickup": TAIPEI_101, "dropoff": MAIN_STATION, "cod_amount": 0},
        headers=token(runtime, "tenant-a", ("driver",)),
    )
    assert response.status_code == 403


def test_hanging_platform_is_unavailable_and_answer_keeps_the_deadline(service: Any) -> None:
    client, _ = service
    sandbox = client.app.state.delivery_quoting.registry.by_provider("pandago")  # type: ignore[attr-defined]
    sandbox.behaviour.hang_quotes = True
    try:
        started = time.perf_counter()
        body = post_quotes(service, {"pickup": TAIPEI_101, "dropoff": MAIN_STATION, "cod_amount": 0}).json()
        elapsed = time.perf_counter() - started
    finally:
        sandbox.behaviour.hang_quotes = False
    pandago = next(q for q in body["quotes"] if q["provider"] == "pandago")
    assert pandago["available"] is False and pandago["reason"] == "平台未在 300 毫秒內回覆"
    assert elapsed < DEADLINE_S + 0.05 + 0.1  # + test-client overhead on a shared 2-core machine
    assert body["recommended"] in ("uber_direct", "lalamove")


def test_quote_set_is_remembered_with_expiry_for_its_tenant_only(service: Any) -> None:
    client, runtime = service
    created = post_quotes(service, {"pickup": TAIPEI_101, "dropoff": MAIN_STATION, "cod_amount": 0}).json()
    url = f"/api/v1/quotes/{created['quote_set_id']}"
    again = client.get(url, headers=token(runtime, "tenant-a"))
    assert again.status_code == 200 and again.json()["expires_at"] == created["expires_at"]
    assert all(q["expires_at"].endswith("+08:00") for q in created["quotes"] if q["available"])
    other = client.get(url, headers=token(runtime, "tenant-b"))
    assert other.status_code == 404
    assert other.headers["content-type"].startswith("application/problem+json")


def test_quote_set_writer_upserts_in_one_transaction_and_leaves_the_connection_durable(
    empty_database: Any,
) -> None:
    from dataclasses import replace
    from datetime import UTC, datetime

    from smartdist.migrate import upgrade
    from smartdist_delivery_broker.adapters.port import Place, TripRequest
    from smartdist_delivery_broker.db import Base
    from smartdist_delivery_broker.quotes.domain import ProviderQuote, QuoteSet
    from smartdist_delivery_broker.quotes.repository import load_quote_set, write_quote_sets

    upgrade(empty_database, "smartdist_delivery_broker", Base)
    quote = ProviderQuote("lalamove", False, 95, {"base": 85, "distance": 10, "cod": 0}, reason="silent")
    trip = TripRequest(Place(25.03, 121.56), Place(25.05, 121.52), 1500)
    first = QuoteSet(1500, 0, (quote,), None, datetime.now(UTC), None, trip=trip)
    other = replace(first, quote_set_id="other-tenant-set")
    write_quote_sets(empty_database, [("tenant-a", first), ("tenant-b", other)])
    final = replace(first, quotes=(replace(quote, available=True, reason=None),), recommended="lalamove")
    write_quote_sets(empty_database, [("tenant-a", final)])  # the provisional set replaced
    with empty_database.tenant_transaction("tenant-a") as session:
        stored = load_quote_set(session, first.quote_set_id)
        assert stored is not None and stored.recommended == "lalamove" and stored.quotes[0].available
        assert load_quote_set(session, other.quote_set_id) is None  # tenant B's set
    if empty_database.is_sqlite:
        with empty_database.engine.connect() as conn:
            assert conn.connection.driver_connection.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
