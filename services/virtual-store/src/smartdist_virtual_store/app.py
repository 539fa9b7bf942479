"""The virtual-store service: its definition for the platform, and ``create_app()`` to run it alone."""

from __future__ import annotations

from fastapi import FastAPI

from smartdist.service import ServiceDefinition
from smartdist.web.app import app_for
from smartdist_virtual_store.campaigns import api as campaigns_api
from smartdist_virtual_store.campaigns import models as campaign_models  # noqa: F401 - registers the tables
from smartdist_virtual_store.db import Base
from smartdist_virtual_store.demo import seed_demo
from smartdist_virtual_store.kpi import KPI
from smartdist_virtual_store.messages import MESSAGES
from smartdist_virtual_store.pages import pages
from smartdist_virtual_store.panoramas import api as panoramas_api
from smartdist_virtual_store.panoramas import models as panorama_models  # noqa: F401 - registers the table
from smartdist_virtual_store.redemptions import api as redemptions_api
from smartdist_virtual_store.redemptions import models as redemption_models  # noqa: F401 - registers the table
from smartdist_virtual_store.reports import api as reports_api
from smartdist_virtual_store.stores import api as stores_api
from smartdist_virtual_store.stores import models as store_models  # noqa: F401 - registers the tables
from smartdist_virtual_store.visits import api as visits_api
from smartdist_virtual_store.visits import models as visit_models  # noqa: F401 - registers the tables

DEFINITION = ServiceDefinition(
    name="virtual-store",
    package="smartdist_virtual_store",
    title="Panoramic virtual store",
    title_zh="環景虛擬商店與數位優惠券",
    summary="A 360° walk through the real store with product hotspots, and digital coupons redeemed at the counter.",
    base=Base,
    routers=[
        panoramas_api.router,
        stores_api.router,
        campaigns_api.router,
        redemptions_api.router,
        visits_api.router,
        reports_api.router,
    ],
    pages=pages,
    messages=MESSAGES,
    kpi=KPI,
    seed_demo=seed_demo,
    job_modules=["smartdist_virtual_store.panoramas.jobs"],
)


def create_app() -> FastAPI:
    """``uvicorn --factory smartdist_virtual_store.app:create_app`` or ``smartdist serve virtual-store``."""
    return app_for(DEFINITION)
