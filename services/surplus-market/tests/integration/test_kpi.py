"""Surplus-market acceptance KPIs from the KPI log: revenue uplift and matched transactions."""

from __future__ import annotations

from datetime import timedelta

from smartdist.db import utcnow
from smartdist.kpi import record
from smartdist_surplus_market.app import DEFINITION


def test_recovered_revenue_and_matched_transactions(service_factory) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        t = svc.new_tenant()
        start = utcnow() - timedelta(days=61)
        with svc.database.tenant_transaction(t) as s:
            for i in range(250):
                record(
                    s,
                    service="surplus-market",
                    doc_type="marketplace_order",
                    doc_no=f"M-{i}",
                    status="picked_up" if i % 2 else "delivered",
                    amount_twd=80,
                    weight_kg=0.5,
                    at=start + timedelta(hours=i * 5.8),
                )
            record(
                s,
                service="surplus-market",
                doc_type="marketplace_order",
                doc_no="M-x",
                status="cancelled",
                amount_twd=999,
            )
        svc.client.put(
            "/api/v1/kpi/baselines/monthly_revenue_before_twd", json={"value": 100000}, headers=svc.headers(t)
        )
        body = svc.client.get("/api/v1/kpi/summary", headers=svc.headers(t)).json()
        kpis = {k["code"]: k for k in body["kpis"]}
        assert kpis["transactions_matched"]["value"] == 250 and kpis["transactions_matched"]["met"]
        # 20,000 TWD recovered over ~2 months on 100,000/month before: about +10%
        assert 9.0 < kpis["revenue_uplift"]["value"] < 11.0 and kpis["revenue_uplift"]["met"]
        assert round(body["co2e_kg"], 3) == round(250 * 0.5 * 2.06, 3)
