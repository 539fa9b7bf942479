"""Events through the outbox, the WMS near-expiry drafts (SPEC §5 flow 1), KPI records, impact."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from smartdist.bus.envelope import CloudEvent
from smartdist.bus.models import OutboxEvent
from smartdist.kpi.models import KpiRecord
from smartdist_surplus_market.app import DEFINITION
from smartdist_surplus_market.listings.consumer import LOT_NEAR_EXPIRY

from ..conftest import TAIPEI_101, clerk_headers, consumer_headers, listing_body


def outbox(svc, tenant: str) -> list[tuple[str, dict[str, Any]]]:  # type: ignore[no-untyped-def]
    with svc.database.tenant_transaction(tenant) as s:
        rows = s.scalars(select(OutboxEvent).where(OutboxEvent.tenant_id == tenant).order_by(OutboxEvent.id))
        return [(r.type, json.loads(r.payload)["data"]) for r in rows]


def kpi_statuses(svc, tenant: str, doc_no: str) -> list[str]:  # type: ignore[no-untyped-def]
    with svc.database.tenant_transaction(tenant) as s:
        rows = s.scalars(select(KpiRecord).where(KpiRecord.doc_no == doc_no).order_by(KpiRecord.id))
        return [r.status for r in rows]


def near_expiry(svc, tenant: str, event: CloudEvent) -> None:  # type: ignore[no-untyped-def]
    with svc.database.tenant_transaction(tenant) as s:
        DEFINITION.subscriptions[LOT_NEAR_EXPIRY](s, event)


def lot_event(tenant: str, **data: Any) -> CloudEvent:
    body = {
        "sku": "MILK-1L",
        "lot": "L240",
        "location": "A-01-01",
        "expiry": "2030-03-04",
        "available": 12,
        "name": "鮮乳 1L fresh milk",
        "unit": "bottle",
        **data,
    }
    return CloudEvent.create(
        type=LOT_NEAR_EXPIRY, subject="MILK-1L", data=body, tenant_id=tenant, source="/smartdist/wms"
    )


def test_events_of_a_listing_and_its_order(service_factory) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        t = svc.new_tenant()
        lid = svc.client.post(
            "/api/v1/listings", json=listing_body(weight_kg=0.4), headers=clerk_headers(svc, t)
        ).json()["id"]
        res = svc.client.post(
            "/api/v1/reservations", json={"listing_id": lid, "quantity": 2}, headers=consumer_headers(svc)
        ).json()
        svc.client.post(
            f"/api/v1/reservations/{res['id']}/pickup",
            json={"pickup_code": res["pickup_code"]},
            headers=clerk_headers(svc, t),
        )
        types = [e[0] for e in outbox(svc, t)]
        assert types == [
            "smartdist.surplus-market.listing.published",
            "smartdist.surplus-market.order.reserved",
            "smartdist.surplus-market.order.picked_up",
        ]
        picked = outbox(svc, t)[2][1]
        assert picked["quantity"] == 2 and picked["listing_id"] == lid
        assert kpi_statuses(svc, t, res["id"]) == ["reserved", "picked_up"]
        assert kpi_statuses(svc, t, lid) == ["published"]
        impact = svc.client.get("/api/v1/impact", headers=clerk_headers(svc, t)).json()
        assert impact["kg_saved"] == 0.8 and impact["co2e_kg"] == round(0.8 * 2.06, 3)
        assert impact["revenue_recovered_twd"] == res["amount"]
        summary = svc.client.get("/api/v1/kpi/summary", headers=svc.headers(t)).json()
        kpis = {k["code"]: k for k in summary["kpis"]}
        assert [k["code"] for k in summary["kpis"]] == ["revenue_uplift", "transactions_matched"]
        assert kpis["transactions_matched"]["value"] == 1
        assert round(summary["co2e_kg"], 3) == round(0.8 * 2.06, 3)
        # a failed request writes no event: 409 over-reservation
        svc.client.post("/api/v1/reservations", json={"listing_id": lid, "quantity": 99}, headers=consumer_headers(svc))
        assert len(outbox(svc, t)) == 3


def test_near_expiry_lot_becomes_one_draft_then_publishes(service_factory) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        t, other = svc.new_tenant(), svc.new_tenant()
        event = lot_event(t)
        near_expiry(svc, t, event)
        near_expiry(svc, t, event)  # the same event again
        near_expiry(svc, t, lot_event(t))  # a new event about the same lot
        h = clerk_headers(svc, t)
        drafts = svc.client.get("/api/v1/listings", params={"status": "draft"}, headers=h).json()["items"]
        assert len(drafts) == 1
        draft = drafts[0]
        assert draft["source"] == {"service": "wms", "sku": "MILK-1L", "lot": "L240", "location": "A-01-01"}
        assert draft["quantity"] == 12 and draft["title"] == "鮮乳 1L fresh milk" and draft["unit"] == "bottle"
        assert datetime.fromisoformat(draft["best_before"]) == datetime(2030, 3, 5, 0, 0, tzinfo=UTC) + timedelta(
            hours=-8
        )  # end of 2030-03-04 in Taipei
        assert (
            svc.client.get("/api/v1/listings", params={"status": "draft"}, headers=clerk_headers(svc, other)).json()[
                "items"
            ]
            == []
        )
        ok = svc.client.post(
            f"/api/v1/listings/{draft['id']}/publish",
            json={"list_price": 90, "location": TAIPEI_101, "title": "鮮乳 即期"},
            headers=h,
        )
        assert ok.status_code == 200 and ok.json()["status"] == "published", ok.text
        near_expiry(svc, t, lot_event(t, available=3))  # after publishing, WMS news changes nothing
        assert svc.client.get(f"/api/v1/listings/{draft['id']}").json()["quantity"] == 12
        res = svc.client.post(
            "/api/v1/reservations", json={"listing_id": draft["id"], "quantity": 2}, headers=consumer_headers(svc)
        ).json()
        svc.client.post(f"/api/v1/reservations/{res['id']}/pickup", json={"pickup_code": res["pickup_code"]}, headers=h)
        picked = [d for typ, d in outbox(svc, t) if typ.endswith("order.picked_up")]
        assert picked[0]["source"] == {"service": "wms", "sku": "MILK-1L", "lot": "L240", "location": "A-01-01"}
        # unusable events create nothing
        near_expiry(svc, t, lot_event(t, sku="X", lot="L9", expiry="not-a-date"))
        near_expiry(svc, t, lot_event(t, sku="Y", lot="L9", available=0))
        assert svc.client.get("/api/v1/listings", params={"status": "draft"}, headers=h).json()["items"] == []
