"""The forecast service: its definition for the platform, and ``create_app()`` to run it alone."""

from __future__ import annotations

from fastapi import FastAPI

from smartdist.service import ServiceDefinition
from smartdist.web.app import app_for
from smartdist_forecast.db import Base
from smartdist_forecast.demo import seed_demo
from smartdist_forecast.kpi import KPI
from smartdist_forecast.messages import MESSAGES
from smartdist_forecast.pages import pages
from smartdist_forecast.publishing import api as publishing_api
from smartdist_forecast.publishing import models as publishing_models  # noqa: F401 - registers the tables
from smartdist_forecast.publishing.jobs import retraining_schedule
from smartdist_forecast.replenishment import api as replenishment_api
from smartdist_forecast.replenishment import models as replenishment_models  # noqa: F401 - registers the tables
from smartdist_forecast.sales import api as sales_api
from smartdist_forecast.sales import models as sales_models  # noqa: F401 - registers the tables
from smartdist_forecast.stock import api as stock_api
from smartdist_forecast.stock import models as stock_models  # noqa: F401 - registers the tables
from smartdist_forecast.stock.consumer import SUBSCRIPTIONS

DEFINITION = ServiceDefinition(
    name="forecast",
    package="smartdist_forecast",
    title="Demand forecasting and replenishment",
    title_zh="需求預測與補貨建議",
    summary="Per-store, per-product demand forecasts from POS sales with prediction intervals, "
    "and order-up-to replenishment.",
    base=Base,
    kpi=KPI,
    routers=[sales_api.router, publishing_api.router, replenishment_api.router, stock_api.router],
    pages=pages,
    messages=MESSAGES,
    subscriptions=SUBSCRIPTIONS,
    job_modules=[
        "smartdist_forecast.sales.jobs",
        "smartdist_forecast.publishing.jobs",
        "smartdist_forecast.replenishment.jobs",
    ],
    background_tasks=[retraining_schedule],
    seed_demo=seed_demo,
)


def create_app() -> FastAPI:
    """``uvicorn --factory smartdist_forecast.app:create_app`` or ``smartdist serve forecast``."""
    return app_for(DEFINITION)
