"""The demo warehouse seeds fast, through the real use cases, and its stock matches its ledger."""

from __future__ import annotations

import time

from smartdist_wms.app import DEFINITION


def test_demo_seed_is_fast_varied_and_ledger_consistent(service_factory, clerk_for) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        c = clerk_for(svc)
        started = time.perf_counter()
        DEFINITION.seed_demo(svc.runtime, c.tenant)  # type: ignore[misc]
        elapsed = time.perf_counter() - started
        # About 0.6 s on a quiet machine (SQLite); the bound leaves room for a CI box that runs
        # other suites on the same two cores, and still catches a seed that grew by an order.
        assert elapsed < 10.0, elapsed
        DEFINITION.seed_demo(svc.runtime, c.tenant)  # type: ignore[misc]  # a second start adds nothing
        products = c.get("/products", limit=500)["items"]
        assert 200 <= len(products) <= 500
        assert {p["tracking"] for p in products} == {"none", "lot", "expiry"}
        assert len(c.get("/locations", limit=500)["items"]) >= 100
        assert {o["status"] for o in c.get("/inbound-orders", limit=100)["items"]} >= {
            "created",
            "receiving",
            "completed",
        }
        statuses = {o["status"] for o in c.get("/outbound-orders", limit=100)["items"]}
        assert statuses >= {"created", "allocated", "picking", "shipped"}
        assert any(i["expiry"] for i in c.stock(limit=500))
        assert c.get("/stock/ledger-check")["ok"] is True
        assert c.get("/kpi/summary")["kpis"][1]["value"] >= 4  # 2 inbound completed + 2 outbound shipped
