"""SPEC §5 flow 2 across processes: POS sales into the forecast -> training (a worker job) ->
replenishment recommendation -> the WMS drafts an inbound order with a line per SKU -> confirmed,
received and put away it completes like any other. The suggestion repeated changes nothing;
KPI logs in both services."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from smartdist.bus.envelope import CloudEvent
from smartdist.bus.models import ProcessedEvent
from smartdist.db import new_id

from .conftest import Stack, eventually, ok

pytestmark = pytest.mark.slow
SUGGESTED = "smartdist.forecast.replenishment.suggested"
SAMPLE = Path("/work/shared/data/forecast/pos_sample.csv")
STORES, SKUS, DAYS = 1, 2, 200


def pos_slice() -> tuple[bytes, list[str], list[str]]:
    """The last DAYS days of the first STORES stores x SKUS products of the programme's POS sample
    (small, so the worker trains in seconds); the CSV and its stores and SKUs."""
    with SAMPLE.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = list(reader)
    stores = sorted({r[0] for r in rows})[:STORES]
    skus = sorted({r[3] for r in rows})[:SKUS]
    rows = [r for r in rows if r[0] in stores and r[3] in skus]
    days = sorted({tuple(int(p) for p in r[2].split("/")) for r in rows})[-DAYS:]
    kept = {f"{y}/{m:02d}/{d:02d}" for y, m, d in days} | {f"{y}/{m}/{d}" for y, m, d in days}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(r for r in rows if r[2] in kept)
    return out.getvalue().encode("utf-8"), stores, skus


def test_recommendation_becomes_one_draft_inbound_that_completes(stack: Stack) -> None:
    tenant = new_id()
    forecast, wms = stack.api("forecast"), stack.api("wms")
    h = stack.headers(tenant)
    sales, stores, skus = pos_slice()
    for sku in skus:
        ok(wms.post("/products", json={"sku": sku, "name": f"商品 {sku}"}, headers=h), 201)
    ok(wms.post("/locations", json={"code": "R-01"}, headers=h), 201)
    imported = ok(forecast.post("/sales/import", headers=h, files={"file": ("pos.csv", sales, "text/csv")}))
    assert imported["rows_rejected"] == 0, imported
    job = ok(forecast.post("/training-runs", json={"horizon_days": 14}, headers=h), 202)["job_id"]
    finished = eventually(
        lambda: (j := ok(forecast.get(f"/jobs/{job}", headers=h)))["status"] in ("succeeded", "failed") and j,
        "the worker to train the model",
        180,
    )
    assert finished["status"] == "succeeded", finished.get("error")
    stock = [{"store": store, "sku": sku, "on_hand": 0} for store in stores for sku in skus]
    policy = {"lead_time_days": 2, "review_days": 7, "service_level": 0.95, "stock": stock}
    items = ok(forecast.post("/replenishment/recommendations", json=policy, headers=h))["items"]
    wanted: dict[str, int] = defaultdict(int)
    for item in items:
        wanted[item["sku"]] += item["order_qty"]
    assert all(wanted[sku] > 0 for sku in skus), items

    def drafts() -> list[dict[str, Any]]:
        return list(ok(wms.get("/inbound-orders", params={"status": "draft"}, headers=h))["items"])

    (draft,) = eventually(drafts, "the WMS draft inbound order")
    assert draft["source"]["service"] == "forecast" and draft["source"]["stores"] == stores
    assert {line["sku"]: line["qty"] for line in draft["lines"]} == dict(wanted)

    # The same suggestion delivered again changes nothing.
    (event,) = stack.outbox("forecast", tenant, SUGGESTED)
    stack.inject(event)
    stack.inject(CloudEvent.from_json(event.to_json()))

    def processed_twice() -> bool:
        with stack.database("wms").system_transaction() as session:
            rows = session.scalars(
                select(ProcessedEvent.event_id).where(
                    ProcessedEvent.consumer == "wms", ProcessedEvent.event_id == event.id
                )
            ).all()
        return len(rows) == 1

    eventually(processed_twice, "the WMS to have handled the suggestion")
    assert len(drafts()) == 1
    assert ok(wms.get("/inbound-orders", params={"status": "draft"}, headers=stack.headers(new_id())))["items"] == []

    oid = draft["id"]
    ok(wms.post(f"/inbound-orders/{oid}/confirm", headers=h | {"Idempotency-Key": "cf-1"}))
    lines = [{"sku": sku, "qty": qty} for sku, qty in wanted.items()]
    ok(wms.post(f"/inbound-orders/{oid}/receipts", json={"lines": lines}, headers=h | {"Idempotency-Key": "rc-1"}), 201)
    done = ok(
        wms.post(
            f"/inbound-orders/{oid}/putaways",
            headers=h | {"Idempotency-Key": "pa-1"},
            json={"lines": [line | {"location": "R-01"} for line in lines]},
        ),
        201,
    )
    assert done["status"] == "completed"
    stock_now = ok(wms.get("/stock", params={"location": "R-01"}, headers=h))["items"]
    assert {i["sku"]: i["on_hand"] for i in stock_now} == dict(wanted)

    assert [s for _, no, s in stack.kpi("wms", tenant) if no == draft["no"]] == [
        "draft",
        "confirmed",
        "receiving",
        "putaway",
        "completed",
    ]
    suggested = [(t, s) for t, _, s in stack.kpi("forecast", tenant) if t == "replenishment"]
    assert suggested == [("replenishment", "suggested")] * len(items)
