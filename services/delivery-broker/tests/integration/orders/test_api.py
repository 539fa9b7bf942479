"""Deliveries over HTTP: book on a quote, sandbox couriers, webhooks once, cancel windows, subsidy."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from smartdist.auth.tokens import TokenSigner
from smartdist.config import PlatformSettings
from smartdist.runtime import ServiceRuntime
from smartdist.web.app import create_service_app
from smartdist_delivery_broker.adapters.registry import PlatformRegistry
from smartdist_delivery_broker.app import DEFINITION
from smartdist_delivery_broker.config import Settings as BrokerPlatformSettings
from smartdist_delivery_broker.quotes import service as quotes_api
from smartdist_delivery_broker.subsidy.models import SubsidyAccountRow

TAIPEI_101 = {"lat": 25.0340, "lng": 121.5645, "address": "Taipei 101"}
MAIN_STATION = {"lat": 25.0478, "lng": 121.5170, "address": "Taipei Main Station"}
CONTACTS = {
    "pickup_contact": {"name": "Store", "phone": "+886223456789"},
    "dropoff_contact": {"name": "Customer", "phone": "+886912345678", "notes": "2F"},
}


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, ServiceRuntime, Clock]]:
    data_dir: Path = tmp_path_factory.mktemp("broker-orders")
    runtime = ServiceRuntime(DEFINITION, PlatformSettings(data_dir=data_dir, run_background=False, log_json=False))
    app = create_service_app(runtime)
    settings = BrokerPlatformSettings(sandbox_quote_latency_s=0, quote_deadline_s=1.0)
    registry = PlatformRegistry(settings)
    clock = Clock()
    for sandbox in registry.sandboxes():
        sandbox.clock = clock
    app.state.delivery_quoting = quotes_api.QuotingContext(registry)
    with TestClient(app) as client:
        yield client, runtime, clock


def auth(runtime: ServiceRuntime, tenant: str, roles: tuple[str, ...] = ("owner",)) -> dict[str, str]:
    assert runtime.keys.private_pem is not None
    value, _ = TokenSigner(runtime.keys.private_pem).issue(
        kind="api_key", subject=f"key-{tenant}", tenant_id=tenant, roles=roles, ttl_s=None
    )
    return {"Authorization": f"Bearer {value}"}


def quote(service: Any, tenant: str, cod: int = 0) -> dict[str, Any]:
    client, runtime, _ = service
    response = client.post(
        "/api/v1/quotes",
        json={"pickup": TAIPEI_101, "dropoff": MAIN_STATION, "cod_amount": cod},
        headers=auth(runtime, tenant),
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def book(service: Any, tenant: str, provider: str | None = None, cod: int = 0, **extra: Any) -> Any:
    client, runtime, _ = service
    quotes = quote(service, tenant, cod)
    body = {"quote_set_id": quotes["quote_set_id"], **CONTACTS, **extra}
    if provider:
        body["provider"] = provider
    headers = auth(runtime, tenant)
    if "idempotency_key" in extra:
        headers["Idempotency-Key"] = body.pop("idempotency_key")
    return client.post("/api/v1/deliveries", json=body, headers=headers)


def test_booked_delivery_follows_its_courier_to_delivered_and_spends_the_subsidy(service: Any) -> None:
    client, runtime, clock = service
    response = book(service, "tenant-flow", "pandago", cod=800, goods_value=800)
    assert response.status_code == 201, response.text
    delivery = response.json()
    assert delivery["status"] == "pending" and delivery["fee"] == 180 and delivery["subsidised"]
    assert delivery["platform_ref"] and delivery["tracking_url"]

    clock.now += timedelta(minutes=10)
    advanced = client.post("/api/v1/sandbox/couriers/advance", headers=auth(runtime, "tenant-flow"))
    assert advanced.status_code == 200
    detail = client.get(f"/api/v1/deliveries/{delivery['id']}", headers=auth(runtime, "tenant-flow")).json()
    assert detail["status"] == "delivered" and detail["raw_status"] == "DELIVERED"
    statuses = [h["status"] for h in detail["history"]]
    assert statuses == ["pending", "assigned", "picked_up", "delivered"]
    raw = [e["raw_status"] for e in detail["events"]]
    assert "COURIER_LEFT_VENDOR" in raw and "NEAR_CUSTOMER" in raw

    subsidy = client.get("/api/v1/subsidy", headers=auth(runtime, "tenant-flow")).json()
    assert subsidy["spent"] == 180 and subsidy["remaining"] == 30_000 - 180
    assert subsidy["entries"][0]["delivery_fee"] == 150 and subsidy["entries"][0]["cod_fee"] == 30


def test_repeated_and_reordered_webhooks_change_status_once(service: Any) -> None:
    client, runtime, clock = service
    delivery = book(service, "tenant-hooks", "uber_direct").json()
    registry = client.app.state.delivery_quoting.registry  # type: ignore[attr-defined]
    sandbox = registry.by_provider("uber_direct")
    order = sandbox.orders[delivery["platform_ref"]]
    hooks = [sandbox.render_webhook(order, step) for step in order.script]
    order.emitted = len(order.script)  # we deliver them by hand below
    sequence = list(reversed(hooks)) + hooks + hooks[2:4]
    outcomes: dict[str, int] = {}
    for headers, body in sequence:
        answer = client.post("/api/v1/webhooks/uber_direct", content=body, headers=headers)
        assert answer.status_code == 200, answer.text
        for key, n in answer.json()["outcomes"].items():
            outcomes[key] = outcomes.get(key, 0) + n
    assert outcomes["duplicate"] == len(hooks) + 2
    detail = client.get(f"/api/v1/deliveries/{delivery['id']}", headers=auth(runtime, "tenant-hooks")).json()
    assert detail["status"] == "delivered"
    statuses = [h["status"] for h in detail["history"]]
    assert sorted(statuses) == sorted(set(statuses)) and set(statuses) == {
        "pending",
        "assigned",
        "picked_up",
        "delivered",
    }


def test_webhook_with_a_bad_signature_is_refused_401_problem(service: Any) -> None:
    client, _, _ = service
    response = client.post(
        "/api/v1/webhooks/uber_direct", content=b'{"kind":"event.delivery_status"}', headers={"x-uber-signature": "00"}
    )
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


def test_webhook_for_an_unknown_order_asks_the_platform_to_retry(service: Any) -> None:
    client, _, _ = service
    import json

    from smartdist_delivery_broker.adapters import uber_direct

    body = json.dumps(
        {
            "id": "evt_x",
            "kind": "event.delivery_status",
            "status": "pickup",
            "delivery_id": "del_nobody",
            "created": "2026-11-26T01:00:00Z",
            "data": {},
        }
    ).encode()
    uber = client.app.state.delivery_quoting.registry.by_provider("uber_direct")
    signature = uber_direct.webhook_signature(body, uber.secrets.uber_signing_key)
    response = client.post("/api/v1/webhooks/uber_direct", content=body, headers={"x-uber-signature": signature})
    assert response.status_code == 404


def test_cancel_inside_the_window_releases_the_subsidy_and_outside_is_409(service: Any) -> None:
    client, runtime, clock = service
    headers = auth(runtime, "tenant-cancel")
    delivery = book(service, "tenant-cancel", "lalamove").json()
    cancelled = client.post(
        f"/api/v1/deliveries/{delivery['id']}/cancel", json={"reason": "MISTAKE_ERROR"}, headers=headers
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    subsidy = client.get("/api/v1/subsidy", headers=headers).json()
    assert subsidy["spent"] == 0 and [e["kind"] for e in subsidy["entries"]] == ["release", "charge"]
    again = client.post(f"/api/v1/deliveries/{delivery['id']}/cancel", headers=headers)
    assert again.status_code == 409

    late = book(service, "tenant-cancel", "pandago").json()
    clock.now += timedelta(minutes=4)  # a courier accepted at +2 min
    refused = client.post(f"/api/v1/deliveries/{late['id']}/cancel", headers=headers)
    assert refused.status_code == 409 and "courier" in refused.json()["detail"]


def test_booking_past_the_subsidy_cap_is_refused_with_what_is_left(service: Any) -> None:
    client, runtime, _ = service
    with runtime.database.tenant_transaction("tenant-cap") as session:
        session.add(SubsidyAccountRow(tenant_id="tenant-cap", cap=200, spent=0))
    assert book(service, "tenant-cap", "lalamove").status_code == 201  # 150
    refused = book(service, "tenant-cap", "lalamove")
    assert refused.status_code == 409
    problem = refused.json()
    assert problem["remaining"] == 50 and problem["needed"] == 150
    assert book(service, "tenant-cap", "lalamove", use_subsidy=False).status_code == 201
    with runtime.database.tenant_transaction("tenant-cap") as session:
        account = session.scalar(select(SubsidyAccountRow))
        assert account is not None and account.spent == 150


def test_retry_with_same_idempotency_key_creates_nothing(service: Any) -> None:
    client, runtime, _ = service
    headers = {**auth(runtime, "tenant-idem"), "Idempotency-Key": "order-123"}
    quotes = quote(service, "tenant-idem")
    body = {"quote_set_id": quotes["quote_set_id"], **CONTACTS}
    first = client.post("/api/v1/deliveries", json=body, headers=headers)
    second = client.post("/api/v1/deliveries", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    listed = client.get("/api/v1/deliveries", headers=auth(runtime, "tenant-idem")).json()
    assert len(listed["items"]) == 1


def test_another_tenant_cannot_read_or_cancel_a_delivery(service: Any) -> None:
    client, runtime, _ = service
    delivery = book(service, "tenant-a1", "lalamove").json()
    assert client.get(f"/api/v1/deliveries/{delivery['id']}", headers=auth(runtime, "tenant-b1")).status_code == 404
    assert (
        client.post(f"/api/v1/deliveries/{delivery['id']}/cancel", headers=auth(runtime, "tenant-b1")).status_code
        == 404
    )
    assert client.get("/api/v1/deliveries", headers=auth(runtime, "tenant-b1")).json()["items"] == []


def test_booking_an_unavailable_platform_is_409(service: Any) -> None:
    client, runtime, _ = service
    response = book(service, "tenant-x", "uber_direct", cod=2500)
    assert response.status_code == 409 and "cap of 2000" in response.json()["detail"]


def test_booking_validates_its_body_as_422_problem(service: Any) -> None:
    client, runtime, _ = service
    response = client.post("/api/v1/deliveries", json={"quote_set_id": "x"}, headers=auth(runtime, "tenant-x"))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


def test_owner_can_make_a_sandbox_platform_hang_and_quotes_report_it(service: Any) -> None:
    client, runtime, _ = service
    owner = auth(runtime, "tenant-sbx")
    changed = client.put("/api/v1/sandbox/platforms/lalamove", json={"hang_quotes": True}, headers=owner)
    assert changed.status_code == 200 and changed.json()["hang_quotes"] is True
    try:
        body = quote(service, "tenant-sbx")
        lalamove = next(q for q in body["quotes"] if q["provider"] == "lalamove")
        assert lalamove["available"] is False and lalamove["reason_code"] == "timeout" and "未在" in lalamove["reason"]
    finally:
        client.put("/api/v1/sandbox/platforms/lalamove", json={"hang_quotes": False}, headers=owner)
    clerk = auth(runtime, "tenant-sbx", ("clerk",))
    assert (
        client.put("/api/v1/sandbox/platforms/lalamove", json={"hang_quotes": True}, headers=clerk).status_code == 403
    )
    assert client.put("/api/v1/sandbox/platforms/nope", json={}, headers=owner).status_code == 404
    assert client.put("/api/v1/sandbox/platforms/lalamove", json={"step_s": -1}, headers=owner).status_code == 422
    listed = client.get("/api/v1/sandbox/platforms", headers=owner).json()["items"]
    assert [p["provider"] for p in listed] == ["pandago", "uber_direct", "lalamove"]


def test_consumer_tracking_link_shows_progress_without_personal_data(service: Any) -> None:
    client, runtime, clock = service
    delivery = book(service, "tenant-track", "lalamove").json()
    clock.now += timedelta(minutes=1)
    tracked = client.get(f"/api/v1/track/{delivery['id']}")  # no token: the link is the credential
    assert tracked.status_code == 200
    body = tracked.json()
    assert body["no"] == delivery["no"] and body["history"][0]["status"] == "pending"
    # The promise shown to the consumer: booking time + the booked quote's ETA.
    assert body["eta"] == delivery["eta_at"]
    assert datetime.fromisoformat(delivery["eta_at"]) > datetime.fromisoformat(delivery["created_at"])
    text = tracked.text
    assert "Customer" not in text and "+886" not in text and "fee" not in text
    assert client.get("/api/v1/track/0000000000000000000000000000dead").status_code == 404


def test_eshop_order_is_quoted_and_booked_in_one_call(service: Any) -> None:
    client, runtime, _ = service
    headers = {**auth(runtime, "tenant-eshop", ("integrator",)), "Idempotency-Key": "shop-order-77"}
    body = {"pickup": TAIPEI_101, "dropoff": MAIN_STATION, "cod_amount": 2500, "reference": "SHOP-77", **CONTACTS}
    first = client.post("/api/v1/deliveries/instant", json=body, headers=headers)
    assert first.status_code == 201, first.text
    delivery = first.json()
    # COD 2500 is over Uber's cap; pandago (180) and Lalamove (150, no COD fee) can take it.
    assert delivery["provider"] == "lalamove" and delivery["reference"] == "SHOP-77"
    assert {q["provider"]: q["available"] for q in delivery["quotes"]}["uber_direct"] is False
    again = client.post("/api/v1/deliveries/instant", json=body, headers=headers)
    assert again.status_code == 201 and again.json()["id"] == delivery["id"]
    far = {
        **body,
        "dropoff": {"lat": 24.15, "lng": 120.67},
        "preferred_providers": ["pandago"],
        "selection": "preference",
    }
    booked_far = client.post("/api/v1/deliveries/instant", json=far, headers=auth(runtime, "tenant-eshop"))
    assert booked_far.status_code == 201 and booked_far.json()["provider"] == "lalamove"  # pandago: over 8 km


def test_history_filters_by_creation_time_and_platform(service: Any) -> None:
    client, runtime, _ = service
    first = book(service, "tenant-history", "pandago").json()
    second = book(service, "tenant-history", "lalamove").json()
    headers = auth(runtime, "tenant-history")
    created = datetime.fromisoformat(second["created_at"])

    def ids(**params: str) -> list[str]:
        answer = client.get("/api/v1/deliveries", params=params, headers=headers)
        assert answer.status_code == 200, answer.text
        return [d["id"] for d in answer.json()["items"]]

    assert ids() == [second["id"], first["id"]]
    assert ids(provider="lalamove") == [second["id"]]
    assert ids(**{"from": created.isoformat()}) == [second["id"]]
    assert ids(**{"to": created.isoformat()}) == [first["id"]]
    assert ids(**{"from": "2020-01-01T00:00:00+08:00", "to": "2020-01-02T00:00:00+08:00"}) == []
    naive = client.get("/api/v1/deliveries", params={"from": "2026-11-26T00:00:00"}, headers=headers)
    assert naive.status_code == 422 and naive.json()["errors"][0]["loc"] == ["query", "from"]
