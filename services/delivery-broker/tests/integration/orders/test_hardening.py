"""What an outside probe found, each reproduced, on SQLite and PostgreSQL.

- concurrent bookings froze every service (`async` handlers on the synchronous session);
- sandbox couriers were shared by all tenants and saved nulls that then failed every read;
- a webhook signed with the sandbox secret written in the source marked a delivery delivered,
  and the public tracking answer showed the platform reference it needed;
- a quote set could be booked again and again (and spent the subsidy each time);
- numeric inputs without bounds.
"""

from __future__ import annotations

import hashlib
import hmac
import inspect
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import func, select

from smartdist.testing.platform import ServiceUnderTest
from smartdist_delivery_broker.adapters.registry import PlatformRegistry
from smartdist_delivery_broker.app import DEFINITION
from smartdist_delivery_broker.config import SANDBOX_SECRETS_FILE, Settings
from smartdist_delivery_broker.orders.models import DeliveryOrder
from smartdist_delivery_broker.orders.service import deliver_due_sandbox_webhooks
from smartdist_delivery_broker.quotes.service import QuotingContext, context_for_runtime, find_quote_set
from smartdist_delivery_broker.subsidy.models import SubsidyEntryRow

STORE = {"lat": 25.0418, "lng": 121.5436, "address": "Store"}
CUSTOMER = {"lat": 25.0478, "lng": 121.5170, "address": "Main Station"}
CONTACTS = {
    "pickup_contact": {"name": "Store", "phone": "+886227001234"},
    "dropoff_contact": {"name": "Lin", "phone": "+886912345678"},
}
# The secret the sandbox pandago signed with before: it was a constant in the source.
OLD_PANDAGO_SECRET = "sandbox-pandago-callback-secret"


@pytest.fixture
def svc(service_factory) -> Iterator[ServiceUnderTest]:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as started:
        registry = PlatformRegistry(
            Settings(sandbox_quote_latency_s=0.02, quote_deadline_s=1.0, sandbox_duplicate_probability=0)
        )
        started.client.app.state.delivery_quoting = QuotingContext(registry)
        yield started


def context(svc: ServiceUnderTest) -> QuotingContext:
    return svc.client.app.state.delivery_quoting  # type: ignore[no-any-return]


def quote(svc: ServiceUnderTest, tenant: str, **extra: Any) -> dict[str, Any]:
    body = {"pickup": STORE, "dropoff": CUSTOMER, "cod_amount": 0, **extra}
    response = svc.client.post("/api/v1/quotes", json=body, headers=svc.headers(tenant, ("clerk",)))
    assert response.status_code == 200, response.text
    return dict(response.json())


def book(svc: ServiceUnderTest, tenant: str, quote_set_id: str, provider: str = "pandago") -> Any:
    body = {"quote_set_id": quote_set_id, "provider": provider, **CONTACTS}
    return svc.client.post("/api/v1/deliveries", json=body, headers=svc.headers(tenant, ("clerk",)))


def in_threads(count: int, work: Any) -> list[Any]:
    results: list[Any] = [None] * count
    start = threading.Barrier(count)

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = work(i)
        except BaseException as exc:  # noqa: BLE001 - asserted by the caller
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a booking never answered"
    return results


# --- B1: database handlers are plain def; concurrent bookings all succeed --------------------


def test_no_handler_that_takes_the_database_session_is_async() -> None:
    from smartdist_delivery_broker.orders import api as orders_api
    from smartdist_delivery_broker.own_fleet import api as own_fleet_api
    from smartdist_delivery_broker.quotes import api as quotes_api
    from smartdist_delivery_broker.subsidy import api as subsidy_api

    routes = [r for m in (orders_api, own_fleet_api, quotes_api, subsidy_api) for r in m.__dict__.values()
              if isinstance(r, type(orders_api.router))]  # fmt: skip
    checked = 0
    for router in routes:
        for route in router.routes:
            assert isinstance(route, APIRoute)
            source = inspect.getsource(route.endpoint)
            marks = ("DbSession", "IdempotencyDep", "Quoting,", "runtime(request).database,")
            uses_session = any(mark in source for mark in marks)
            if uses_session:
                checked += 1
                assert not inspect.iscoroutinefunction(route.endpoint), f"{route.path} is async with the sync session"
    assert checked >= 10


@pytest.mark.parametrize("bookings", [2, 8])
def test_concurrent_instant_bookings_all_succeed(svc: ServiceUnderTest, bookings: int) -> None:
    tenant = svc.new_tenant()
    headers = svc.headers(tenant, ("clerk",))
    body = {"pickup": STORE, "dropoff": CUSTOMER, **CONTACTS}
    began = time.monotonic()
    answers = in_threads(
        bookings,
        lambda i: svc.client.post(
            "/api/v1/deliveries/instant", json={**body, "reference": f"POS-{i}"}, headers=headers
        ),  # fmt: skip
    )
    elapsed = time.monotonic() - began
    assert [a.status_code for a in answers] == [201] * bookings, [a.text for a in answers if a.status_code != 201]
    assert len({a.json()["id"] for a in answers}) == bookings
    # One booking is a quote (20 ms sandbox latency) and a few writes: nothing waits a lock timeout.
    assert elapsed < 20, elapsed
    listed = svc.client.get("/api/v1/deliveries", headers=headers)
    assert listed.status_code == 200 and len(listed.json()["items"]) == bookings


# --- B4: a quote set is booked once ------------------------------------------------------------


def _deliveries_and_charges(svc: ServiceUnderTest, tenant: str, quote_set_id: str) -> tuple[int, int]:
    with svc.database.tenant_transaction(tenant) as session:
        orders = session.scalar(
            select(func.count()).select_from(DeliveryOrder).where(DeliveryOrder.quote_set_id == quote_set_id)
        )
        charges = session.scalar(
            select(func.count()).select_from(SubsidyEntryRow).where(SubsidyEntryRow.kind == "charge")
        )
    return int(orders or 0), int(charges or 0)


def test_a_quote_set_booked_again_is_409_and_spends_nothing_more(svc: ServiceUnderTest) -> None:
    tenant = svc.new_tenant()
    quote_set_id = quote(svc, tenant)["quote_set_id"]
    first = book(svc, tenant, quote_set_id)
    assert first.status_code == 201, first.text
    for provider in ("pandago", "lalamove"):
        again = book(svc, tenant, quote_set_id, provider)
        assert again.status_code == 409, again.text
        assert again.json()["code"] == "broker.quote_set.booked"
    assert _deliveries_and_charges(svc, tenant, quote_set_id) == (1, 1)
    subsidy = svc.client.get("/api/v1/subsidy", headers=svc.headers(tenant, ("clerk",))).json()
    assert subsidy["spent"] == first.json()["fee"]


def test_ten_concurrent_bookings_of_one_quote_set_make_one_delivery(svc: ServiceUnderTest) -> None:
    tenant = svc.new_tenant()
    quote_set_id = quote(svc, tenant)["quote_set_id"]
    answers = in_threads(10, lambda i: book(svc, tenant, quote_set_id))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] + [409] * 9, [a.text for a in answers if a.status_code not in (201, 409)]
    assert _deliveries_and_charges(svc, tenant, quote_set_id) == (1, 1)


def test_a_refused_booking_leaves_the_quote_set_bookable(svc: ServiceUnderTest) -> None:
    tenant = svc.new_tenant()
    quote_set_id = quote(svc, tenant, cod_amount=3000)["quote_set_id"]  # uber_direct: over its COD cap
    refused = book(svc, tenant, quote_set_id, "uber_direct")
    assert refused.status_code == 409 and refused.json()["code"] == "broker.quote.unavailable"
    assert book(svc, tenant, quote_set_id, "pandago").status_code == 201


# --- B2: sandbox settings per tenant; nulls and out-of-range refused; the pump survives -------


def test_one_tenants_sandbox_settings_do_not_touch_another_tenant(svc: ServiceUnderTest) -> None:
    a, b = svc.new_tenant(), svc.new_tenant()
    put = svc.client.put(
        "/api/v1/sandbox/platforms/lalamove", json={"quote_error": "down for A"}, headers=svc.headers(a)
    )
    assert put.status_code == 200 and put.json()["quote_error"] == "down for A"
    lalamove_a = next(q for q in quote(svc, a)["quotes"] if q["provider"] == "lalamove")
    lalamove_b = next(q for q in quote(svc, b)["quotes"] if q["provider"] == "lalamove")
    assert lalamove_a["available"] is False and "down for A" in lalamove_a["reason"]
    assert lalamove_b["available"] is True
    listed_b = svc.client.get("/api/v1/sandbox/platforms", headers=svc.headers(b)).json()["items"]
    assert next(p for p in listed_b if p["provider"] == "lalamove")["quote_error"] is None
    cleared = svc.client.put("/api/v1/sandbox/platforms/lalamove", json={"quote_error": ""}, headers=svc.headers(a))
    assert cleared.json()["quote_error"] is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("scenario", None),
        ("duplicate_probability", None),
        ("step_s", None),
        ("quote_error", None),
        ("duplicate_probability", 1.5),
        ("quote_latency_s", -1),
        ("step_s", 0),
        ("webhook_delay_s", 10_000),
        ("scenario", "vanish"),
    ],
)
def test_sandbox_settings_refuse_null_and_out_of_range_naming_the_field(
    svc: ServiceUnderTest, field: str, value: Any
) -> None:
    tenant = svc.new_tenant()
    answer = svc.client.put("/api/v1/sandbox/platforms/pandago", json={field: value}, headers=svc.headers(tenant))
    assert answer.status_code == 422, answer.text
    assert field in answer.text
    # Nothing was saved: every read still answers, for this tenant and the others.
    for who in (tenant, svc.new_tenant()):
        assert svc.client.get("/api/v1/sandbox/platforms", headers=svc.headers(who)).status_code == 200
        assert svc.client.get("/api/v1/deliveries", headers=svc.headers(who, ("clerk",))).status_code == 200


def test_one_webhook_that_cannot_be_applied_does_not_stop_the_pump(
    svc: ServiceUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant = svc.new_tenant()
    bookings = [book(svc, tenant, quote(svc, tenant)["quote_set_id"]).json() for _ in range(2)]
    pandago = context(svc).registry.by_provider("pandago")
    for order in pandago.orders.values():  # type: ignore[union-attr]
        order.created_at = order.created_at.replace(year=order.created_at.year - 1)  # every step is due
    real_parse = pandago.parse_webhook
    calls = {"n": 0}

    def parse_failing_once(headers: Any, body: bytes) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("a row the pipeline cannot apply")
        return real_parse(headers, body)

    monkeypatch.setattr(pandago, "parse_webhook", parse_failing_once)
    counts = deliver_due_sandbox_webhooks(context(svc), svc.database)
    assert counts.get("failed") == 1 and counts.get("applied", 0) >= 2, counts
    statuses = {svc.client.get(f"/api/v1/deliveries/{b['id']}", headers=svc.headers(tenant)).json()["status"]
                for b in bookings}  # fmt: skip
    assert "delivered" in statuses


# --- B3: per-installation webhook secrets; no platform reference on the public page -----------


def _pandago_delivered(platform_ref: str) -> bytes:
    return json.dumps(
        {"order_id": platform_ref, "client_order_id": "x", "status": "DELIVERED", "updated_at": time.time()}
    ).encode()


def test_a_webhook_signed_with_the_old_source_constant_is_refused(svc: ServiceUnderTest) -> None:
    tenant = svc.new_tenant()
    delivery = book(svc, tenant, quote(svc, tenant)["quote_set_id"]).json()
    body = _pandago_delivered(delivery["platform_ref"])
    forged = hmac.new(OLD_PANDAGO_SECRET.encode(), body, hashlib.sha256).hexdigest()
    answer = svc.client.post(
        "/api/v1/webhooks/pandago", content=body,
        headers={"Content-Type": "application/json", "X-Signature-SHA256": forged},
    )  # fmt: skip
    assert answer.status_code == 401, answer.text
    after = svc.client.get(f"/api/v1/deliveries/{delivery['id']}", headers=svc.headers(tenant)).json()
    assert after["status"] != "delivered"


def test_the_public_tracking_answer_and_page_do_not_show_the_platform_reference(svc: ServiceUnderTest) -> None:
    tenant = svc.new_tenant()
    delivery = book(svc, tenant, quote(svc, tenant)["quote_set_id"]).json()
    ref = delivery["platform_ref"]
    assert ref
    tracked = svc.client.get(f"/api/v1/track/{delivery['id']}")
    assert tracked.status_code == 200 and tracked.json()["no"] == delivery["no"]
    assert ref not in tracked.text and "platform_tracking_url" not in tracked.json()
    page = svc.client.get(f"/track/{delivery['id']}")
    assert page.status_code == 200 and ref not in page.text


def test_sandbox_secrets_are_made_once_per_installation_and_settings_win(tmp_path: Any) -> None:
    first = PlatformRegistry(Settings(), data_dir=tmp_path)
    again = PlatformRegistry(Settings(), data_dir=tmp_path)
    elsewhere = PlatformRegistry(Settings(), data_dir=tmp_path / "other")
    secret = first.sandboxes()[0].secrets.pandago_webhook_secret
    assert (tmp_path / "keys" / SANDBOX_SECRETS_FILE).exists()
    assert again.sandboxes()[0].secrets.pandago_webhook_secret == secret
    assert elsewhere.sandboxes()[0].secrets.pandago_webhook_secret != secret
    assert OLD_PANDAGO_SECRET not in {secret, elsewhere.sandboxes()[0].secrets.pandago_webhook_secret}
    configured = PlatformRegistry(Settings(sandbox_pandago_webhook_secret="from-the-vault"), data_dir=tmp_path)
    assert configured.sandboxes()[0].secrets.pandago_webhook_secret == "from-the-vault"


def test_the_running_service_keeps_its_secrets_in_its_data_dir(service_factory) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as started:
        registry = context_for_runtime(started.runtime).registry
        data_dir = started.runtime.settings.resolved_data_dir()
        stored = json.loads((data_dir / "keys" / SANDBOX_SECRETS_FILE).read_text())
        assert registry.sandboxes()[0].secrets.pandago_webhook_secret == stored["pandago_webhook_secret"]


# --- B6: bounds on every numeric input ---------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/quotes", {"pickup": {**STORE, "lat": 90.5}, "dropoff": CUSTOMER, "cod_amount": 0}, "lat"),
        ("/api/v1/quotes", {"pickup": STORE, "dropoff": {**CUSTOMER, "lng": -180.5}, "cod_amount": 0}, "lng"),
        ("/api/v1/quotes", {"pickup": STORE, "dropoff": CUSTOMER, "cod_amount": 2_000_000}, "cod_amount"),
        ("/api/v1/quotes", {"pickup": STORE, "dropoff": CUSTOMER, "cod_amount": -1}, "cod_amount"),
        ("/api/v1/deliveries/instant", {"pickup": STORE, "dropoff": CUSTOMER, **CONTACTS, "goods_value": 10**9},
         "goods_value"),
        ("/api/v1/deliveries/instant", {"pickup": {**STORE, "lat": -91}, "dropoff": CUSTOMER, **CONTACTS}, "lat"),
    ],
)  # fmt: skip
def test_numbers_out_of_bounds_are_422_naming_the_field(
    svc: ServiceUnderTest, path: str, body: dict[str, Any], field: str
) -> None:
    answer = svc.client.post(path, json=body, headers=svc.headers(svc.new_tenant(), ("clerk",)))
    assert answer.status_code == 422, answer.text
    assert field in answer.text


def test_non_finite_coordinates_are_422(svc: ServiceUnderTest) -> None:
    raw = '{"pickup": {"lat": NaN, "lng": 121.5}, "dropoff": {"lat": 25.0, "lng": Infinity}, "cod_amount": 0}'
    answer = svc.client.post(
        "/api/v1/quotes", content=raw,
        headers={**svc.headers(svc.new_tenant(), ("clerk",)), "Content-Type": "application/json"},
    )  # fmt: skip
    assert answer.status_code == 422, answer.text
    assert "lat" in answer.text


# --- issue 17: the platform is asked with no transaction open; a crash in between -------------


def _claim_and_stop(svc: ServiceUnderTest, tenant: str, quote_set_id: str, key: str) -> str:
    """What a process that stops while the platform is asked leaves: the first transaction only."""
    from smartdist_delivery_broker.orders import service

    idem = service.IdempotencyAsk(key, "POST /api/v1/deliveries", json.dumps(
        {"quote_set_id": quote_set_id, "provider": "pandago", **CONTACTS}, sort_keys=True, separators=(",", ":")
    ).encode())  # fmt: skip
    details = service.OrderDetails(service.Contact("Store", "+886227001234"), service.Contact("Lin", "+886912345678"))
    with svc.database.tenant_transaction(tenant) as session:
        assert service._start_idempotent(session, idem, lambda v: {}) is None
        order, _ = service.claim_quote(
            session, context(svc), tenant, find_quote_set(session, quote_set_id), details, "pandago"
        )
        service._claim_key(session, idem, order.id)
        return order.id


def test_a_booking_interrupted_before_the_platform_answered_is_finished_once_by_the_pump(
    svc: ServiceUnderTest,
) -> None:
    from datetime import UTC, datetime, timedelta

    from smartdist_delivery_broker.orders import service

    tenant = svc.new_tenant()
    quote_set_id = quote(svc, tenant)["quote_set_id"]
    order_id = _claim_and_stop(svc, tenant, quote_set_id, "pos-9")
    headers = svc.headers(tenant, ("clerk",))
    board = svc.client.get("/api/v1/deliveries", headers=headers).json()["items"]
    assert [(d["id"], d["raw_status"], d["platform_ref"]) for d in board] == [(order_id, "placing", None)]
    # The quote stays taken meanwhile: nobody books it a second time.
    assert book(svc, tenant, quote_set_id).status_code == 409
    # Too young to be called interrupted (its request may still be waiting on the platform).
    assert service.finish_interrupted_bookings(context(svc), svc.database) == {}
    later = datetime.now(UTC) + timedelta(minutes=2)
    assert service.finish_interrupted_bookings(context(svc), svc.database, later) == {"placed": 1}
    assert service.finish_interrupted_bookings(context(svc), svc.database, later) == {}
    # The retry with the first request's key answers that delivery, now booked on the platform.
    body = {"quote_set_id": quote_set_id, "provider": "pandago", **CONTACTS}
    retry = svc.client.post("/api/v1/deliveries", json=body, headers=headers | {"Idempotency-Key": "pos-9"})
    assert retry.status_code == 201, retry.text
    assert retry.json()["id"] == order_id and retry.json()["platform_ref"]
    assert _deliveries_and_charges(svc, tenant, quote_set_id) == (1, 1)


def test_an_interrupted_booking_the_platform_refuses_is_released_and_spends_nothing(svc: ServiceUnderTest) -> None:
    from datetime import UTC, datetime, timedelta

    from smartdist_delivery_broker.orders import service

    tenant = svc.new_tenant()
    quote_set_id = quote(svc, tenant)["quote_set_id"]
    _claim_and_stop(svc, tenant, quote_set_id, "pos-10")
    headers = svc.headers(tenant, ("owner",))
    assert svc.client.get("/api/v1/subsidy", headers=headers).json()["spent"] > 0
    pandago = context(svc).registry.by_provider_for("pandago", tenant)
    assert pandago is not None

    async def refuse(booking: Any) -> Any:
        from smartdist_delivery_broker.adapters.port import PlatformUnavailable

        raise PlatformUnavailable("pandago", "down")

    original = type(pandago).create
    type(pandago).create = lambda self, booking, *a: refuse(booking)  # type: ignore[method-assign]
    try:
        later = datetime.now(UTC) + timedelta(minutes=2)
        assert service.finish_interrupted_bookings(context(svc), svc.database, later) == {"released": 1}
    finally:
        type(pandago).create = original  # type: ignore[method-assign]
    assert _deliveries_and_charges(svc, tenant, quote_set_id) == (0, 0)
    assert svc.client.get("/api/v1/subsidy", headers=headers).json()["spent"] == 0
    # The quote set and the key are free again: the retry books.
    body = {"quote_set_id": quote_set_id, "provider": "pandago", **CONTACTS}
    retry = svc.client.post("/api/v1/deliveries", json=body, headers=headers | {"Idempotency-Key": "pos-10"})
    assert retry.status_code == 201, retry.text


def test_a_retry_while_the_platform_is_still_being_asked_waits_and_gets_the_same_delivery(
    svc: ServiceUnderTest,
) -> None:
    import asyncio

    tenant = svc.new_tenant()
    quote_set_id = quote(svc, tenant)["quote_set_id"]
    pandago = context(svc).registry.by_provider_for("pandago", tenant)
    assert pandago is not None
    original = type(pandago).create

    async def slow(self: Any, booking: Any, *rest: Any) -> Any:
        await asyncio.sleep(0.4)  # the platform takes its time; no transaction is open meanwhile
        return await original(self, booking, *rest)

    body = {"quote_set_id": quote_set_id, "provider": "pandago", **CONTACTS}
    headers = svc.headers(tenant, ("clerk",)) | {"Idempotency-Key": "pos-11"}
    type(pandago).create = slow  # type: ignore[method-assign]
    try:
        answers = in_threads(2, lambda i: svc.client.post("/api/v1/deliveries", json=body, headers=headers))
    finally:
        type(pandago).create = original  # type: ignore[method-assign]
    assert [a.status_code for a in answers] == [201, 201], [a.text for a in answers]
    assert answers[0].json()["id"] == answers[1].json()["id"] and answers[0].json()["platform_ref"]
    assert _deliveries_and_charges(svc, tenant, quote_set_id) == (1, 1)
