"""Events written through the outbox with the change, and the KPI log per document step."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from smartdist.bus.models import OutboxEvent
from smartdist.kpi.models import KpiRecord
from smartdist_wms.app import DEFINITION
from smartdist_wms.stock import service as stock_service
from smartdist_wms.stock.jobs import scan_near_expiry


def events(svc: Any, kind: str) -> list[dict[str, Any]]:
    with svc.database.system_transaction() as s:
        rows = s.scalars(
            select(OutboxEvent).where(OutboxEvent.type == f"smartdist.wms.{kind}").order_by(OutboxEvent.id)
        )
        return [json.loads(r.payload) for r in rows]


def kpi_records(svc: Any, tenant: str) -> list[tuple[str, str, str, float | None]]:
    with svc.database.tenant_transaction(tenant) as s:
        rows = s.scalars(select(KpiRecord).order_by(KpiRecord.id))
        return [(r.doc_type, r.doc_no, r.status, r.elapsed_s) for r in rows]


def test_stock_changed_carries_what_forecast_reads(service_factory, clerk_for) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        c = clerk_for(svc)
        c.product("COLA")
        c.location("S1")
        c.location("S2")
        c.adjust("COLA", "S1", 7)
        c.adjust("COLA", "S2", 3)
        sent = events(svc, "stock.changed")
        assert len(sent) == 2
        last = sent[-1]
        assert last["tenantid"] == c.tenant and last["subject"] == "COLA"
        data = last["data"]
        # forecast's contract: exactly one place key, sku, on_hand >= 0, at with an offset
        assert [k for k in ("store", "location", "warehouse") if k in data] == ["warehouse"]
        assert data["sku"] == "COLA" and data["on_hand"] == 10 and data["available"] == 10
        assert "+" in data["at"][19:] or data["at"].endswith("Z")


def test_near_expiry_lots_are_announced_on_arrival_and_by_schedule_once(  # type: ignore[no-untyped-def]
    service_factory, clerk_for, monkeypatch
) -> None:
    with service_factory(DEFINITION) as svc:
        c = clerk_for(svc)
        c.product("BREAD", tracking="lot", near_expiry_days=3)
        c.location("B1")
        today = stock_service.local_today()
        soon, later = (today + timedelta(days=2)).isoformat(), (today + timedelta(days=6)).isoformat()
        order = c.inbound([{"sku": "BREAD", "qty": 10}])
        lines = [
            {"sku": "BREAD", "qty": 4, "lot": "SOON", "expiry": soon},
            {"sku": "BREAD", "qty": 6, "lot": "LATER", "expiry": later},
        ]
        c.post(f"/inbound-orders/{order['id']}/receipts", {"lines": lines}, expect=201)
        put = [
            {"sku": "BREAD", "qty": 4, "location": "B1", "lot": "SOON"},
            {"sku": "BREAD", "qty": 6, "location": "B1", "lot": "LATER"},
        ]
        c.post(f"/inbound-orders/{order['id']}/putaways", {"lines": put}, expect=201)
        sent = events(svc, "lot.near_expiry")
        assert [e["data"]["lot"] for e in sent] == ["SOON"]  # at once, only the lot inside the window
        data = sent[0]["data"]
        assert data["sku"] == "BREAD" and data["location"] == "B1" and data["quantity"] == 4
        assert data["expiry"] == soon and data["best_before"].startswith(f"{soon}T23:59:59")
        c.adjust("BREAD", "B1", 1, lot="SOON")  # more of an announced lot: not announced again
        assert scan_near_expiry(svc.database) == 0
        # four days on, LATER enters its window: the schedule announces it, once
        monkeypatch.setattr(stock_service, "local_today", lambda: today + timedelta(days=4))
        assert scan_near_expiry(svc.database) == 1
        assert scan_near_expiry(svc.database) == 0
        assert [e["data"]["lot"] for e in events(svc, "lot.near_expiry")] == ["SOON", "LATER"]
        assert date.fromisoformat(events(svc, "lot.near_expiry")[1]["data"]["expiry"]) == today + timedelta(days=6)


def test_documents_emit_their_events_and_kpi_steps(service_factory, clerk_for) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        c = clerk_for(svc)
        c.product("OIL")
        c.location("O1")
        inbound = c.inbound([{"sku": "OIL", "qty": 5}], ref="PO-9", supplier="ACME")
        c.post(f"/inbound-orders/{inbound['id']}/receipts", {"lines": [{"sku": "OIL", "qty": 5}]}, expect=201)
        c.post(
            f"/inbound-orders/{inbound['id']}/putaways",
            {"lines": [{"sku": "OIL", "qty": 5, "location": "O1"}]},
            expect=201,
        )
        [done] = events(svc, "inbound.completed")
        assert done["data"]["ref"] == "PO-9" and done["data"]["lines"][0]["put_away"] == 5
        out = c.outbound([("OIL", 2)], ref="SO-9")
        c.post(f"/outbound-orders/{out['id']}/allocate", expect=200)
        c.post(f"/outbound-orders/{out['id']}/picks", {"location": "O1", "sku": "OIL", "qty": 2}, expect=201)
        c.post(f"/outbound-orders/{out['id']}/packs", {"sku": "OIL", "qty": 2}, expect=201)
        c.post(f"/outbound-orders/{out['id']}/ship", {"carrier": "新竹物流", "tracking_no": "HCT1"}, expect=200)
        [shipped] = events(svc, "outbound.shipped")
        assert shipped["data"]["ref"] == "SO-9" and shipped["data"]["tracking_no"] == "HCT1"
        records = kpi_records(svc, c.tenant)
        statuses = {(doc_type, status) for doc_type, _, status, _ in records}
        assert {("inbound_order", s) for s in ("created", "receiving", "putaway", "completed")} <= statuses
        assert {
            ("outbound_order", s) for s in ("created", "allocated", "picking", "picked", "packed", "shipped")
        } <= statuses
        finals = [r for r in records if r[2] in ("completed", "shipped")]
        assert len(finals) == 2 and all(r[3] is not None and r[3] >= 0 for r in finals)
        codes = {s["code"] for s in c.get("/kpi/codes")["statuses"]}
        assert {status for _, status in statuses} <= codes
        summary = c.get("/kpi/summary")
        assert [k["code"] for k in summary["kpis"]] == ["processing_time_cut", "orders_completed"]
        assert summary["kpis"][1]["value"] == 2
