"""WMS acceptance KPIs computed from the KPI log: processing time cut vs paper, completed orders."""

from __future__ import annotations

from smartdist.kpi import record
from smartdist_wms.app import DEFINITION


def _kpis(svc, tenant):  # type: ignore[no-untyped-def]
    body = svc.client.get("/api/v1/kpi/summary", headers=svc.headers(tenant)).json()
    return {k["code"]: k for k in body["kpis"]}, body["co2e_kg"]


def test_processing_time_cut_and_completed_orders_from_the_log(service_factory) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        t = svc.new_tenant()
        with svc.database.tenant_transaction(t) as s:
            for i in range(130):
                record(s, service="wms", doc_type="inbound_order", doc_no=f"IN-{i}", status="completed", elapsed_s=540)
                record(s, service="wms", doc_type="outbound_order", doc_no=f"OUT-{i}", status="shipped", elapsed_s=540)
            # a document still in progress counts for neither KPI
            record(s, service="wms", doc_type="outbound_order", doc_no="OUT-open", status="picking", elapsed_s=9999)
        kpis, _ = _kpis(svc, t)
        assert kpis["orders_completed"]["value"] == 260 and kpis["orders_completed"]["met"] is True
        assert kpis["processing_time_cut"]["value"] is None  # no paper baseline yet
        for code, value in (("paper_minutes_per_document", 12), ("paper_sheets_per_document", 3)):
            svc.client.put(f"/api/v1/kpi/baselines/{code}", json={"value": value}, headers=svc.headers(t))
        kpis, co2e = _kpis(svc, t)
        # 9 minutes now against 12 on paper: 25% faster
        assert kpis["processing_time_cut"]["value"] == 25.0 and kpis["processing_time_cut"]["met"] is True
        assert round(co2e, 4) == round(260 * 3 * 0.0076, 4)
