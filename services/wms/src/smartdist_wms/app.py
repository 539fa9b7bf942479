"""The wms service: its definition for the platform, and ``create_app()`` to run it alone."""

from __future__ import annotations

from fastapi import FastAPI
from smartdist.kpi.log import seed_baselines
from smartdist.runtime import ServiceRuntime
from smartdist.service import ServiceDefinition
from smartdist.web.app import app_for

from smartdist_wms.db import Base
from smartdist_wms.kpi import KPI

DEMO_BASELINES = {"paper_minutes_per_document": 18, "paper_sheets_per_document": 3}


def seed_demo(runtime: ServiceRuntime, tenant_id: str) -> None:
    """The demo merchant's pre-go-live figures, so the KPI page has something to compare with."""
    with runtime.database.tenant_transaction(tenant_id) as session:
        seed_baselines(session, DEMO_BASELINES, note="demo merchant's figures before go-live")


DEFINITION = ServiceDefinition(
    name="wms",
    package="smartdist_wms",
    title="Cloud warehouse (WMS)",
    title_zh="雲端倉儲管理",
    summary="Paperless inbound, putaway, stock, cycle counts, picking, packing, shipping and returns on PDAs.",
    base=Base,
    kpi=KPI,
    seed_demo=seed_demo,
)


def create_app() -> FastAPI:
    """``uvicorn --factory smartdist_wms.app:create_app`` or ``smartdist serve wms``."""
    return app_for(DEFINITION)
