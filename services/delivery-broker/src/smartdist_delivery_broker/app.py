"""The delivery-broker service: its definition for the platform, and ``create_app()`` to run it alone."""

from __future__ import annotations

from fastapi import FastAPI

from smartdist.service import ServiceDefinition
from smartdist.web.app import app_for
from smartdist_delivery_broker.db import Base
from smartdist_delivery_broker.kpi import KPI

DEFINITION = ServiceDefinition(
    name="delivery-broker",
    package="smartdist_delivery_broker",
    title="Delivery broker",
    title_zh="跨平台配送",
    summary="One back office over foodpanda pandago, Uber Direct, Lalamove and the merchant's own fleet, with the subsidy ledger.",
    base=Base,
    kpi=KPI,
)


def create_app() -> FastAPI:
    """``uvicorn --factory smartdist_delivery_broker.app:create_app`` or ``smartdist serve delivery-broker``."""
    return app_for(DEFINITION)
