"""Every HTML page of the virtual store: the merchant's home and editor, the clerk's counter,
the public viewer and the shopper's wallet.

Server-rendered shells over the JSON API: the scripts call the API (staff pages with the sign-in
cookie, shopper pages with the consumer's token), so the pages hold no business rules.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from smartdist.web.auth_pages import require_page_principal
from smartdist.web.i18n import Translator, language_for
from smartdist_virtual_store.messages import MESSAGES

pages = APIRouter(include_in_schema=False)
StoreId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]


def _texts(request: Request) -> dict[str, str]:
    t = Translator(language_for(request), request.app.state.pages.messages)
    return {key: t(key) for key in MESSAGES["zh-TW"] if key.startswith("vs.")}


def _render(request: Request, template: str, context: dict[str, Any] | None = None, *, staff: bool) -> Response:
    if staff:
        redirect: Response | None = require_page_principal(request)
        if redirect is not None:
            return redirect
    extra: dict[str, Any] = {"texts": _texts(request)} | (context or {})
    if not staff:
        extra["service"] = None  # shoppers get no merchant navigation (KPI page, API docs)
    page: Response = request.app.state.pages.render(request, template, extra)
    return page


@pages.get("/")
def home(request: Request) -> Response:
    """The merchant's front door: stores, their public pages and editors, the counter page."""
    return _render(request, "stores_home.html", staff=True)


@pages.get("/stores/{store_id}")
def viewer(store_id: StoreId, request: Request) -> Response:
    """The public 360° viewer of a published store (no sign-in): scenes, hotspot cards, coupons."""
    return _render(request, "stores_viewer.html", {"store_id": store_id}, staff=False)


@pages.get("/stores/{store_id}/edit")
def editor(store_id: StoreId, request: Request) -> Response:
    """The owner's editor: click on the panorama to place a hotspot."""
    return _render(request, "stores_editor.html", {"store_id": store_id}, staff=True)


@pages.get("/wallet")
def wallet(request: Request) -> Response:
    """The shopper's coupons as QR code and barcode."""
    return _render(request, "campaigns_wallet.html", staff=False)


@pages.get("/redeem")
def redeem(request: Request) -> Response:
    """The clerk's counter page: scan, redeem, reverse."""
    return _render(request, "redemptions_clerk.html", staff=True)
