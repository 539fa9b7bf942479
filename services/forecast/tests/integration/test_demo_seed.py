"""The demo seed gives the demo merchant invented sales history, once, and only to that tenant."""

from __future__ import annotations

from sqlalchemy import func, select

from smartdist_forecast.app import DEFINITION
from smartdist_forecast.demo import DEMO_DAYS
from smartdist_forecast.sales.models import SalesDay
from smartdist_forecast.sales.synthetic import DEMO_PRODUCTS, DEMO_STORES


def sales_count(svc, tenant: str) -> int:  # type: ignore[no-untyped-def]
    with svc.database.tenant_session(tenant) as session:
        return int(session.scalar(select(func.count()).select_from(SalesDay)))


def test_seed_stores_the_demo_history_once_for_the_demo_tenant_only(service_factory):
    with service_factory(DEFINITION) as svc:
        tenant, other = svc.new_tenant(), svc.new_tenant()
        DEFINITION.seed_demo(svc.runtime, tenant)
        DEFINITION.seed_demo(svc.runtime, tenant)
        assert sales_count(svc, tenant) == len(DEMO_STORES) * len(DEMO_PRODUCTS) * DEMO_DAYS
        assert sales_count(svc, other) == 0
