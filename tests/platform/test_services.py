"""Each of the six services starts on an empty database (migrations run), serves the platform
endpoints, and keeps one tenant's KPI records, baselines and jobs from another — on SQLite and
on PostgreSQL."""

from __future__ import annotations

import pytest

from smartdist.catalog import SERVICE_ORDER, service_definitions
from smartdist.kpi import record


@pytest.mark.parametrize("name", SERVICE_ORDER)
def test_service_migrates_serves_and_isolates_tenants(name: str, service_factory) -> None:  # type: ignore[no-untyped-def]
    definition = service_definitions()[name]
    kpi = definition.kpi
    assert kpi is not None, f"{name} declares no KPIs"
    with service_factory(definition) as svc:
        c = svc.client
        assert c.get("/healthz").status_code == 200
        assert c.get("/readyz").json()["checks"]["database"] == "ok"
        a, b = svc.new_tenant(), svc.new_tenant()
        doc_type = kpi.doc_types[0]
        with svc.database.tenant_transaction(a) as session:
            record(session, service=name, doc_type=doc_type, doc_no="A-1", status=kpi.status_codes[0].code)
        assert len(c.get("/api/v1/kpi/logs", headers=svc.headers(a)).text.splitlines()) == 1
        assert c.get("/api/v1/kpi/logs", headers=svc.headers(b)).text == ""
        summary = c.get("/api/v1/kpi/summary", headers=svc.headers(b)).json()
        assert len(summary["kpis"]) == 2 and all(k["met"] is False for k in summary["kpis"])
        for baseline in kpi.baselines:
            assert (
                c.put(f"/api/v1/kpi/baselines/{baseline.code}", json={"value": 10}, headers=svc.headers(a)).status_code
                == 200
            )
            # Only the owner enters baselines.
            assert (
                c.put(
                    f"/api/v1/kpi/baselines/{baseline.code}", json={"value": 1}, headers=svc.headers(a, roles=["clerk"])
                ).status_code
                == 403
            )
        seen_by_b = c.get("/api/v1/kpi/baselines", headers=svc.headers(b)).json()
        assert all(row["value"] is None for row in seen_by_b)
        assert c.get("/api/v1/jobs", headers=svc.headers(b)).json()["items"] == []
