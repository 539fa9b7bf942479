"""SPEC §5 flow 1 across processes: a near-expiry lot put away in the WMS -> draft listing in the
surplus market -> published, reserved, picked up -> the WMS takes those units out of that lot;
the picked-up event repeated and re-sent later changes the stock once. KPI logs in both."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from smartdist.bus.envelope import CloudEvent
from smartdist.bus.models import ProcessedEvent
from smartdist.db import new_id

from .conftest import Stack, eventually, ok

pytestmark = pytest.mark.slow
PICKED_UP = "smartdist.surplus-market.order.picked_up"
SHOP = {"lat": 25.0339, "lng": 121.5645}
TAIPEI = ZoneInfo("Asia/Taipei")


def lot_stock(stack: Stack, tenant: str, sku: str) -> dict[str, int]:
    items = ok(stack.api("wms").get("/stock", params={"sku": sku}, headers=stack.headers(tenant)))["items"]
    return {f"{i['lot']}@{i['location']}": i["on_hand"] for i in items}


def processed_by_wms(stack: Stack, event_ids: list[str]) -> bool:
    with stack.database("wms").system_transaction() as session:
        done = set(
            session.scalars(
                select(ProcessedEvent.event_id).where(
                    ProcessedEvent.consumer == "wms", ProcessedEvent.event_id.in_(event_ids)
                )
            )
        )
    return done == set(event_ids)


def test_near_expiry_lot_is_listed_sold_and_leaves_the_lot_once(stack: Stack) -> None:
    tenant = new_id()
    wms, market = stack.api("wms"), stack.api("surplus-market")
    h = stack.headers(tenant)
    expiry = datetime.now(TAIPEI).date() + timedelta(days=2)
    ok(
        wms.post(
            "/products", json={"sku": "MILK-1L", "name": "鮮乳 1L", "unit": "bottle", "tracking": "lot"}, headers=h
        ),
        201,
    )
    for code in ("A-01-01", "A-01-02"):
        ok(wms.post("/locations", json={"code": code}, headers=h), 201)
    inbound = ok(
        wms.post(
            "/inbound-orders",
            headers=h | {"Idempotency-Key": "in-1"},
            json={"ref": "PO-1", "lines": [{"sku": "MILK-1L", "qty": 20, "lot": "L240", "expiry": expiry.isoformat()}]},
        ),
        201,
    )
    ok(
        wms.post(
            f"/inbound-orders/{inbound['id']}/receipts",
            headers=h | {"Idempotency-Key": "rc-1"},
            json={"lines": [{"sku": "MILK-1L", "qty": 20, "lot": "L240"}]},
        ),
        201,
    )
    put = ok(
        wms.post(
            f"/inbound-orders/{inbound['id']}/putaways",
            headers=h | {"Idempotency-Key": "pa-1"},
            json={
                "lines": [
                    {"sku": "MILK-1L", "qty": 12, "location": "A-01-01", "lot": "L240"},
                    {"sku": "MILK-1L", "qty": 8, "location": "A-01-02", "lot": "L240"},
                ]
            },
        ),
        201,
    )
    assert put["status"] == "completed"

    # The surplus market drafts a listing per lot and place, with the lot's available units.
    def drafts() -> list[dict[str, Any]]:
        page = ok(market.get("/listings", params={"status": "draft"}, headers=h))
        return [d for d in page["items"] if (d.get("source") or {}).get("location") == "A-01-01"]

    draft = eventually(drafts, "the draft listing of lot L240 in A-01-01")[0]
    assert draft["source"] == {"service": "wms", "sku": "MILK-1L", "lot": "L240", "location": "A-01-01"}
    assert draft["quantity"] == 12
    # best_before: the end of the expiry day in Taipei.
    assert datetime.fromisoformat(draft["best_before"]) == datetime.combine(expiry + timedelta(days=1), time(), TAIPEI)
    other = stack.headers(new_id())
    assert ok(market.get("/listings", params={"status": "draft"}, headers=other))["items"] == []

    ok(market.post(f"/listings/{draft['id']}/publish", json={"list_price": 60, "location": SHOP}, headers=h))
    me = stack.consumer_headers()
    reservation = ok(
        market.post(
            "/reservations", json={"listing_id": draft["id"], "quantity": 5}, headers=me | {"Idempotency-Key": "r-1"}
        ),
        201,
    )
    ok(
        market.post(
            f"/reservations/{reservation['id']}/pickup", json={"pickup_code": reservation["pickup_code"]}, headers=h
        )
    )

    eventually(
        lambda: lot_stock(stack, tenant, "MILK-1L") == {"L240@A-01-01": 7, "L240@A-01-02": 8},
        "the WMS to take the 5 sold units out of L240 in A-01-01",
    )

    # The same event delivered again (a relay re-publish), and re-sent later under a new id.
    (picked,) = stack.outbox("surplus-market", tenant, PICKED_UP)
    resent = CloudEvent.create(type=PICKED_UP, subject=picked.subject, data=picked.data, tenant_id=tenant)
    stack.inject(picked)
    stack.inject(resent)
    eventually(lambda: processed_by_wms(stack, [picked.id, resent.id]), "the WMS to consume both copies")
    assert lot_stock(stack, tenant, "MILK-1L") == {"L240@A-01-01": 7, "L240@A-01-02": 8}

    # Each service's KPI log holds its own documents.
    assert [s for t, _, s in stack.kpi("wms", tenant) if t == "inbound_order"] == [
        "created",
        "receiving",
        "putaway",
        "completed",
    ]
    market_log = stack.kpi("surplus-market", tenant)
    assert [s for _, no, s in market_log if no == reservation["id"]] == ["reserved", "picked_up"]
    assert any(no == draft["id"] and s == "published" for _, no, s in market_log)
    summary = ok(market.get("/kpi/summary", headers=h))
    assert {k["code"]: k["value"] for k in summary["kpis"]}["transactions_matched"] == 1
