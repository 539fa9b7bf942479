"""The service's pages: its home, the consumer's market (public) and the seller's desk (staff).

Both apps are server-rendered shells over the JSON API; their scripts call it with
``SmartDist.api``. Consumers sign in with the console's consumer accounts (a bearer token kept
on the phone); staff with the platform's sign-in cookie.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from smartdist.web.auth_pages import require_page_principal
from smartdist.web.i18n import Translator, language_for
from smartdist_surplus_market.config import get_settings
from smartdist_surplus_market.messages import MESSAGES

router = APIRouter(include_in_schema=False)


def _texts(request: Request) -> dict[str, str]:
    t = Translator(language_for(request), request.app.state.pages.messages)
    return {key: t(key) for key in MESSAGES["zh-TW"] if key.startswith("sm.")}


def _render(request: Request, template: str, context: dict[str, Any] | None = None) -> Response:
    settings = get_settings()
    console = (request.app.state.runtime.settings.console_url or "").rstrip("/")
    page: Response = request.app.state.pages.render(
        request,
        template,
        {
            "texts": _texts(request),
            "console": console,
            "tile_url": settings.map_tile_url,
            "tile_attribution": settings.map_tile_attribution,
            **(context or {}),
        },
    )
    return page


@router.get("/")
def home(request: Request) -> Response:
    """The service's front door: the consumer's market and the seller's desk."""
    return _render(request, "surplus_home.html")


@router.get("/market")
def market(request: Request) -> Response:
    """Consumers on phones: nearby list and map, a listing, reserve, pickup code and QR, favourites."""
    return _render(request, "market_app.html")


@lru_cache
def _service_worker() -> str:
    return (files("smartdist_surplus_market") / "templates" / "market_sw.js").read_text(encoding="utf-8")


@router.get("/sw.js")
def service_worker() -> Response:
    """The market's service worker (scope: the service's root), which shows Web Push notifications."""
    return Response(
        _service_worker(),
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "./"},
    )


@router.get("/seller")
def seller_desk(request: Request) -> Response:
    """Store staff on phones: list goods with a photo and markdown, today's pickups, verify by code or QR."""
    redirect: Response | None = require_page_principal(request)
    if redirect is not None:
        return redirect
    return _render(request, "seller_app.html")
