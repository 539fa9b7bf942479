"""Virtual-store acceptance KPIs from the KPI log: views + redemptions, revenue from redemptions."""

from __future__ import annotations

from smartdist.kpi import record
from smartdist_virtual_store.app import DEFINITION


def test_views_and_net_redemptions_count_towards_the_volume_kpi(service_factory) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        t = svc.new_tenant()
        with svc.database.tenant_transaction(t) as s:
            for i in range(200):
                record(s, service="virtual-store", doc_type="store_visit", doc_no=f"V-{i}", status="viewed")
            for i in range(52):
                record(
                    s, service="virtual-store", doc_type="coupon", doc_no=f"C-{i}", status="redeemed", amount_twd=500
                )
            # a clerk reversed two redemptions: they no longer count
            for i in range(2):
                record(
                    s, service="virtual-store", doc_type="coupon", doc_no=f"C-{i}", status="reversed", amount_twd=500
                )
        body = svc.client.get("/api/v1/kpi/summary", headers=svc.headers(t)).json()
        kpis = {k["code"]: k for k in body["kpis"]}
        assert kpis["views_and_redemptions"]["value"] == 250 and kpis["views_and_redemptions"]["met"]
        assert kpis["revenue_uplift"]["value"] is None and "baseline" in kpis["revenue_uplift"]["detail"]
