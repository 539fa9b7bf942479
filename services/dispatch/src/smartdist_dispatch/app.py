"""The dispatch service: its definition for the platform, and ``create_app()`` to run it alone."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from smartdist.service import ServiceDefinition
from smartdist.web.app import app_for
from smartdist_dispatch import pages as home_pages
from smartdist_dispatch.board import api as board_api
from smartdist_dispatch.board import pages as board_pages
from smartdist_dispatch.db import Base
from smartdist_dispatch.demo import DEMO_LOGINS, seed_demo
from smartdist_dispatch.driver import api as driver_api
from smartdist_dispatch.driver import pages as driver_pages
from smartdist_dispatch.fleet import api as fleet_api
from smartdist_dispatch.fleet import models as fleet_models  # noqa: F401 - registers the tables
from smartdist_dispatch.fleet import pages as fleet_pages
from smartdist_dispatch.geocoding import models as geocoding_models  # noqa: F401 - registers the table
from smartdist_dispatch.intake import api as intake_api
from smartdist_dispatch.intake.consumer import SUBSCRIPTIONS
from smartdist_dispatch.kpi import KPI
from smartdist_dispatch.messages import MESSAGES
from smartdist_dispatch.optimize import api as optimize_api
from smartdist_dispatch.orders import api as orders_api
from smartdist_dispatch.orders import models as order_models  # noqa: F401 - registers the tables
from smartdist_dispatch.routes import api as routes_api
from smartdist_dispatch.routes import models as route_models  # noqa: F401 - registers the tables

# Every HTML page: the service's home, the dispatcher's board and the driver's phone app.
pages = APIRouter(include_in_schema=False)
pages.include_router(home_pages.router)
pages.include_router(board_pages.router)
pages.include_router(fleet_pages.router)
pages.include_router(driver_pages.router)

DEFINITION = ServiceDefinition(
    name="dispatch",
    package="smartdist_dispatch",
    title="Dispatch and driver assistant",
    title_zh="智慧派遣與司機助理",
    summary=(
        "Route planning with OR-Tools for a merchant's own fleet, rush-order insertion, and the driver's mobile app."
    ),
    base=Base,
    routers=[
        optimize_api.router,
        orders_api.router,
        fleet_api.router,
        routes_api.router,
        board_api.router,
        driver_api.router,
        intake_api.router,
    ],
    pages=pages,
    messages=MESSAGES,
    subscriptions=SUBSCRIPTIONS,
    kpi=KPI,
    seed_demo=seed_demo,
    # Shown on the demo's landing page beside the owner's sign-in.
    extra={"demo_logins": DEMO_LOGINS},
    job_modules=[
        "smartdist_dispatch.optimize.jobs",
        "smartdist_dispatch.routes.jobs",
        "smartdist_dispatch.board.jobs",
    ],
)


def create_app() -> FastAPI:
    """``uvicorn --factory smartdist_dispatch.app:create_app`` or ``smartdist serve dispatch``."""
    return app_for(DEFINITION)
