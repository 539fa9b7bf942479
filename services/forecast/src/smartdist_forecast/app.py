"""The forecast service: its definition for the platform, and ``create_app()`` to run it alone."""

from __future__ import annotations

from fastapi import FastAPI

from smartdist.service import ServiceDefinition
from smartdist.web.app import app_for
from smartdist_forecast import tables  # noqa: F401 - registers the tables on Base for migrations
from smartdist_forecast.db import Base
from smartdist_forecast.demo import seed_demo
from smartdist_forecast.kpi import KPI
from smartdist_forecast.pages.api import pages
from smartdist_forecast.pages.messages import MESSAGES
from smartdist_forecast.publishing import training_job  # noqa: F401 - registers the forecast.train job
from smartdist_forecast.publishing.api import router as forecasts_router
from smartdist_forecast.publishing.schedule import retraining_schedule
from smartdist_forecast.replenishment import simulation_job  # noqa: F401 - registers the simulation job
from smartdist_forecast.replenishment.api import router as replenishment_router
from smartdist_forecast.replenishment.products import router as products_router
from smartdist_forecast.sales.api import router as sales_router
from smartdist_forecast.sales.history_api import router as history_router
from smartdist_forecast.stock.api import router as stock_router
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
    routers=[sales_router, history_router, forecasts_router, replenishment_router, products_router, stock_router],
    pages=pages,
    messages=MESSAGES,
    subscriptions=SUBSCRIPTIONS,
    background_tasks=[retraining_schedule],
    seed_demo=seed_demo,
)


def create_app() -> FastAPI:
    """``uvicorn --factory smartdist_forecast.app:create_app`` or ``smartdist serve forecast``."""
    return app_for(DEFINITION)
