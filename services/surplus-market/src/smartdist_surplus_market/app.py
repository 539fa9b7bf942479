"""The surplus-market service: its definition for the platform, and ``create_app()`` to run it alone."""

from __future__ import annotations

from fastapi import FastAPI

from smartdist.service import ServiceDefinition
from smartdist.web.app import app_for
from smartdist_surplus_market.db import Base
from smartdist_surplus_market.demo import seed_demo
from smartdist_surplus_market.favourites import api as favourites_api
from smartdist_surplus_market.favourites import models as favourite_models  # noqa: F401 - registers the tables
from smartdist_surplus_market.kpi import KPI
from smartdist_surplus_market.listings import api as listings_api
from smartdist_surplus_market.listings import models as listing_models  # noqa: F401 - registers the tables
from smartdist_surplus_market.listings.consumer import SUBSCRIPTIONS as LISTING_SUBSCRIPTIONS
from smartdist_surplus_market.markdowns import api as markdowns_api
from smartdist_surplus_market.markdowns import models as markdown_models  # noqa: F401 - registers the tables
from smartdist_surplus_market.messages import MESSAGES
from smartdist_surplus_market.pages import router as pages
from smartdist_surplus_market.payouts import api as payouts_api
from smartdist_surplus_market.push import api as push_api
from smartdist_surplus_market.push import models as push_models  # noqa: F401 - registers the tables
from smartdist_surplus_market.reservations import api as reservations_api
from smartdist_surplus_market.reservations import models as reservation_models  # noqa: F401 - registers the tables
from smartdist_surplus_market.reservations.consumer import SUBSCRIPTIONS as RESERVATION_SUBSCRIPTIONS
from smartdist_surplus_market.reservations.jobs import retry_bookings, sweep_no_shows
from smartdist_surplus_market.sellers import api as sellers_api
from smartdist_surplus_market.sellers import models as seller_models  # noqa: F401 - registers the tables

DEFINITION = ServiceDefinition(
    name="surplus-market",
    package="smartdist_surplus_market",
    title="Surplus market",
    title_zh="即期品媒合市集",
    summary="Near-expiry and overstock goods sold in small units for pickup or as case lots for delivery.",
    base=Base,
    routers=[
        listings_api.router,
        reservations_api.router,
        sellers_api.router,
        favourites_api.router,
        payouts_api.router,
        push_api.router,
        markdowns_api.router,
    ],
    pages=pages,
    messages=MESSAGES,
    kpi=KPI,
    seed_demo=seed_demo,
    subscriptions={**LISTING_SUBSCRIPTIONS, **RESERVATION_SUBSCRIPTIONS},
    job_modules=["smartdist_surplus_market.reservations.jobs", "smartdist_surplus_market.push.jobs"],
    background_tasks=[sweep_no_shows, retry_bookings],
)


def create_app() -> FastAPI:
    """``uvicorn --factory smartdist_surplus_market.app:create_app`` or ``smartdist serve surplus-market``."""
    return app_for(DEFINITION)
