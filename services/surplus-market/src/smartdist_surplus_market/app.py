"""The surplus-market service: its definition for the platform, and ``create_app()`` to run it alone."""

from __future__ import annotations

from fastapi import FastAPI
from smartdist.kpi.log import seed_baselines
from smartdist.runtime import ServiceRuntime
from smartdist.service import ServiceDefinition
from smartdist.web.app import app_for

from smartdist_surplus_market.db import Base
from smartdist_surplus_market.kpi import KPI

DEMO_BASELINES = {"monthly_revenue_before_twd": 180000}


def seed_demo(runtime: ServiceRuntime, tenant_id: str) -> None:
    """The demo merchant's pre-go-live figures, so the KPI page has something to compare with."""
    with runtime.database.tenant_transaction(tenant_id) as session:
        seed_baselines(session, DEMO_BASELINES, note="demo merchant's figures before go-live")


DEFINITION = ServiceDefinition(
    name="surplus-market",
    package="smartdist_surplus_market",
    title="Surplus market",
    title_zh="即期品媒合市集",
    summary="Near-expiry and overstock goods sold in small units for pickup or as case lots for delivery.",
    base=Base,
    kpi=KPI,
    seed_demo=seed_demo,
)


def create_app() -> FastAPI:
    """``uvicorn --factory smartdist_surplus_market.app:create_app`` or ``smartdist serve surplus-market``."""
    return app_for(DEFINITION)
