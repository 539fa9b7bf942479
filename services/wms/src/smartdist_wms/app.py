"""The wms service: its definition for the platform, and ``create_app()`` to run it alone."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from smartdist.service import ServiceDefinition
from smartdist.web.app import app_for
from smartdist_wms.counts import api as counts_api
from smartdist_wms.counts import models as counts_models  # noqa: F401 - registers the tables
from smartdist_wms.customers import api as customers_api
from smartdist_wms.customers import models as customers_models  # noqa: F401 - registers the tables
from smartdist_wms.db import Base
from smartdist_wms.deliveries import models as delivery_models  # noqa: F401 - registers the tables
from smartdist_wms.deliveries.consumer import SUBSCRIPTIONS as DELIVERY_SUBSCRIPTIONS
from smartdist_wms.deliveries.jobs import courier_retry_watch
from smartdist_wms.demo import seed_demo
from smartdist_wms.floor.messages import MESSAGES
from smartdist_wms.floor.pages import router as floor_pages
from smartdist_wms.imports import api as imports_api
from smartdist_wms.inbound import api as inbound_api
from smartdist_wms.inbound import models as inbound_models  # noqa: F401 - registers the tables
from smartdist_wms.inbound.consumer import SUBSCRIPTIONS as INBOUND_SUBSCRIPTIONS
from smartdist_wms.kpi import KPI
from smartdist_wms.locations import api as locations_api
from smartdist_wms.locations import pages as locations_pages
from smartdist_wms.outbound import api as outbound_api
from smartdist_wms.outbound import models as outbound_models  # noqa: F401 - registers the tables
from smartdist_wms.printing import pages as printing_pages
from smartdist_wms.products import api as products_api
from smartdist_wms.returns import api as returns_api
from smartdist_wms.returns import models as returns_models  # noqa: F401 - registers the tables
from smartdist_wms.scans import api as scans_api
from smartdist_wms.stock import api as stock_api
from smartdist_wms.stock import models as stock_models  # noqa: F401 - registers the tables
from smartdist_wms.stock.consumer import SUBSCRIPTIONS as STOCK_SUBSCRIPTIONS
from smartdist_wms.stock.jobs import near_expiry_watch
from smartdist_wms.warehouses import api as warehouses_api
from smartdist_wms.warehouses import models as warehouses_models  # noqa: F401 - registers the tables
from smartdist_wms.waves import api as waves_api
from smartdist_wms.waves import models as waves_models  # noqa: F401 - registers the tables

PAGES = APIRouter()
PAGES.include_router(floor_pages)
PAGES.include_router(printing_pages.router)
PAGES.include_router(locations_pages.router)

DEFINITION = ServiceDefinition(
    name="wms",
    package="smartdist_wms",
    title="Cloud warehouse (WMS)",
    title_zh="雲端倉儲管理",
    summary="Paperless inbound, putaway, stock, cycle counts, picking, packing, shipping and returns on PDAs.",
    base=Base,
    routers=[
        products_api.router,
        locations_api.router,
        customers_api.router,
        stock_api.router,
        inbound_api.router,
        outbound_api.router,
        waves_api.router,
        imports_api.router,
        warehouses_api.router,
        returns_api.router,
        counts_api.router,
        scans_api.router,
    ],
    pages=PAGES,
    messages=MESSAGES,
    kpi=KPI,
    seed_demo=seed_demo,
    background_tasks=[near_expiry_watch, courier_retry_watch],
    # SPEC §5: surplus sales leave the lot (flow 1), replenishment drafts (flow 2), couriers (flow 3).
    subscriptions={**STOCK_SUBSCRIPTIONS, **INBOUND_SUBSCRIPTIONS, **DELIVERY_SUBSCRIPTIONS},
    job_modules=["smartdist_wms.deliveries.jobs"],
)


def create_app() -> FastAPI:
    """``uvicorn --factory smartdist_wms.app:create_app`` or ``smartdist serve wms``."""
    return app_for(DEFINITION)
