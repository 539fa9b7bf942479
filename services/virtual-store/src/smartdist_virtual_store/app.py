"""The virtual-store service: its definition for the platform, and ``create_app()`` to run it alone."""

from __future__ import annotations

from fastapi import FastAPI
from smartdist.kpi.log import seed_baselines
from smartdist.runtime import ServiceRuntime
from smartdist.service import ServiceDefinition
from smartdist.web.app import app_for

from smartdist_virtual_store.db import Base
from smartdist_virtual_store.kpi import KPI

DEMO_BASELINES = {"monthly_revenue_before_twd": 250000}


def seed_demo(runtime: ServiceRuntime, tenant_id: str) -> None:
    """The demo merchant's pre-go-live figures, so the KPI page has something to compare with."""
    with runtime.database.tenant_transaction(tenant_id) as session:
        seed_baselines(session, DEMO_BASELINES, note="demo merchant's figures before go-live")


DEFINITION = ServiceDefinition(
    name="virtual-store",
    package="smartdist_virtual_store",
    title="Panoramic virtual store",
    title_zh="環景虛擬商店與數位優惠券",
    summary="A 360° walk through the real store with product hotspots, and digital coupons redeemed at the counter.",
    base=Base,
    kpi=KPI,
    seed_demo=seed_demo,
)


def create_app() -> FastAPI:
    """``uvicorn --factory smartdist_virtual_store.app:create_app`` or ``smartdist serve virtual-store``."""
    return app_for(DEFINITION)
