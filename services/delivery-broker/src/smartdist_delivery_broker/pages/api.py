"""Server-rendered pages over the broker's JSON API: the browser calls the API itself with
``SmartDist.api`` (the sign-in cookie authenticates), so the pages hold no business logic."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from smartdist.web.auth_pages import require_page_principal
from smartdist.web.i18n import Translator, language_for
from smartdist_delivery_broker.adapters.port import DeliveryStatus
from smartdist_delivery_broker.config import get_settings

pages = APIRouter(include_in_schema=False)

STATUSES = [s.value for s in DeliveryStatus]


PROVIDERS = ["pandago", "uber_direct", "lalamove", "own_fleet"]


def _labels(request: Request) -> dict[str, dict[str, str]]:
    """Status and platform names in the page's language, for the page script to show API values."""
    t = Translator(language_for(request), request.app.state.pages.messages)
    return {
        "status": {status: t(f"broker.status.{status}") for status in STATUSES},
        "provider": {provider: t(f"broker.provider.{provider}") for provider in PROVIDERS},
    }


@pages.get("/")
def merchant_home(request: Request) -> Response:
    """Book a delivery: compare every platform's quote, book one, see the subsidy balance."""
    redirect = require_page_principal(request)
    if redirect is not None:
        return redirect
    page: Response = request.app.state.pages.render(request, "broker_home.html", {"labels": _labels(request)})
    return page


@pages.get("/deliveries")
def order_board(
    request: Request,
    refresh_s: Annotated[int, Query(ge=1, le=300)] = 5,
    page_size: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Response:
    """Live order board and delivery history: every delivery with its status, filters by status,
    platform and day, ``page_size`` rows at a time, refreshed every ``refresh_s`` seconds."""
    redirect = require_page_principal(request)
    if redirect is not None:
        return redirect
    page: Response = request.app.state.pages.render(
        request,
        "broker_deliveries.html",
        {"labels": _labels(request), "refresh_s": refresh_s, "page_size": page_size},
    )
    return page


@pages.get("/deliveries/{delivery_id}")
def delivery_history(delivery_id: str, request: Request) -> Response:
    """One delivery's normalised status history, for the merchant."""
    redirect = require_page_principal(request)
    if redirect is not None:
        return redirect
    page: Response = request.app.state.pages.render(
        request, "broker_delivery.html", {"delivery_id": delivery_id, "labels": _labels(request)}
    )
    return page


@pages.get("/own-fleet")
def own_fleet_terms_page(request: Request) -> Response:
    """The merchant's own-fleet terms: offered or not, cost per delivery, reach, COD, hours."""
    redirect = require_page_principal(request)
    if redirect is not None:
        return redirect
    page: Response = request.app.state.pages.render(request, "broker_own_fleet.html", {"labels": _labels(request)})
    return page


@pages.get("/track/{delivery_id}")
def consumer_tracking(
    delivery_id: str, request: Request, refresh_s: Annotated[int, Query(ge=1, le=300)] = 15
) -> Response:
    """Public page for the consumer: the link is the credential, like the platforms' own links.
    A map shows pickup, drop-off and the courier's latest position, refreshed every ``refresh_s``."""
    settings = get_settings()
    page: Response = request.app.state.pages.render(
        # service=None: the consumer gets no merchant navigation (KPI page, API docs).
        request,
        "broker_track.html",
        {
            "delivery_id": delivery_id,
            "labels": _labels(request),
            "service": None,
            "refresh_s": refresh_s,
            "tile_url": settings.map_tile_url,
            "tile_attribution": settings.map_tile_attribution,
        },
    )
    return page
