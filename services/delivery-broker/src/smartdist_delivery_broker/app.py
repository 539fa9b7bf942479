"""The delivery-broker service: its definition for the platform, and ``create_app()`` to run it alone."""

from __future__ import annotations

from fastapi import FastAPI

from smartdist.service import ServiceDefinition
from smartdist.web.app import app_for
from smartdist_delivery_broker.db import Base
from smartdist_delivery_broker.demo import seed_demo
from smartdist_delivery_broker.geocoding import models as _geocoding_models  # noqa: F401 - tables on Base
from smartdist_delivery_broker.kpi import KPI
from smartdist_delivery_broker.orders import api as orders_api
from smartdist_delivery_broker.orders import models as _order_models  # noqa: F401 - tables on Base
from smartdist_delivery_broker.orders.jobs import run_courier_pump
from smartdist_delivery_broker.own_fleet import api as own_fleet_api
from smartdist_delivery_broker.own_fleet import models as _own_fleet_models  # noqa: F401 - tables on Base
from smartdist_delivery_broker.own_fleet.consumer import SUBSCRIPTIONS
from smartdist_delivery_broker.pages.api import pages
from smartdist_delivery_broker.pages.messages import MESSAGES
from smartdist_delivery_broker.quotes import api as quotes_api
from smartdist_delivery_broker.quotes import models as _quote_models  # noqa: F401 - tables on Base
from smartdist_delivery_broker.subsidy import api as subsidy_api
from smartdist_delivery_broker.subsidy import models as _subsidy_models  # noqa: F401 - tables on Base

DEFINITION = ServiceDefinition(
    name="delivery-broker",
    package="smartdist_delivery_broker",
    title="Delivery broker",
    title_zh="跨平台配送",
    summary=(
        "One back office over foodpanda pandago, Uber Direct, Lalamove and the merchant's own fleet, "
        "with the subsidy ledger."
    ),
    base=Base,
    routers=[
        quotes_api.router,
        orders_api.router,
        orders_api.webhook_router,
        subsidy_api.router,
        own_fleet_api.router,
    ],
    subscriptions=SUBSCRIPTIONS,
    pages=pages,
    messages=MESSAGES,
    kpi=KPI,
    seed_demo=seed_demo,
    # Sandbox couriers move on their own (SMARTDIST_DELIVERY_BROKER_SANDBOX_PUMP_S, 0 = off).
    background_tasks=[run_courier_pump],
)


def create_app() -> FastAPI:
    """``uvicorn --factory smartdist_delivery_broker.app:create_app`` or ``smartdist serve delivery-broker``."""
    return app_for(DEFINITION)
