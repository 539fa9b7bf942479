"""The wms service: its definition for the platform, and ``create_app()`` to run it alone."""

from __future__ import annotations

from fastapi import FastAPI

from smartdist.service import ServiceDefinition
from smartdist.web.app import app_for
from smartdist_wms.db import Base
from smartdist_wms.kpi import KPI

DEFINITION = ServiceDefinition(
    name="wms",
    package="smartdist_wms",
    title="Cloud warehouse (WMS)",
    title_zh="雲端倉儲管理",
    summary="Paperless inbound, putaway, stock, cycle counts, picking, packing, shipping and returns on PDAs.",
    base=Base,
    kpi=KPI,
)


def create_app() -> FastAPI:
    """``uvicorn --factory smartdist_wms.app:create_app`` or ``smartdist serve wms``."""
    return app_for(DEFINITION)
