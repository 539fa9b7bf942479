"""Every HTML page of the dispatch service: the driver's mobile app and the dispatcher's board."""

from __future__ import annotations

from fastapi import APIRouter

from smartdist_dispatch.board import messages as board_messages
from smartdist_dispatch.board import pages as board_pages
from smartdist_dispatch.driver import messages as driver_messages
from smartdist_dispatch.driver import pages as driver_pages

pages = APIRouter(include_in_schema=False)
pages.include_router(board_pages.router)
pages.include_router(driver_pages.router)

MESSAGES: dict[str, dict[str, str]] = {
    lang: {**board_messages.MESSAGES.get(lang, {}), **driver_messages.MESSAGES.get(lang, {})}
    for lang in ("zh-TW", "en")
}
