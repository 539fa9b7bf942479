"""The dispatcher's pages (mounted at the service root): plan board, live map, exceptions, analytics.

Server-rendered shells over the JSON API: each page's script calls the API with ``SmartDist.api``
(the sign-in cookie authenticates), so the pages hold no business logic of their own.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from starlette.responses import FileResponse, Response

from smartdist.web.auth_pages import require_page_principal
from smartdist.web.i18n import Translator, language_for
from smartdist_dispatch.board.domain import today
from smartdist_dispatch.board.messages import MESSAGES
from smartdist_dispatch.config import Settings
from smartdist_dispatch.orders.sheet import ORDER_COLUMNS, REQUIRED_ORDER_COLUMNS

router = APIRouter(include_in_schema=False)

STATIC = Path(__file__).parent / "static"
SCRIPTS = {p.name for p in STATIC.glob("*.js")} | {p.name for p in STATIC.glob("*.css")}


def _texts(request: Request) -> dict[str, str]:
    """Every board text in the page's language, for the page scripts."""
    t = Translator(language_for(request), request.app.state.pages.messages)
    return {key: t(key) for key in MESSAGES["zh-TW"]}


def _render(request: Request, template: str, context: dict[str, Any]) -> Response:
    redirect: Response | None = require_page_principal(request)
    if redirect is not None:
        return redirect
    page: Response = request.app.state.pages.render(request, template, {"texts": _texts(request)} | context)
    return page


@router.get("/board")
def plan_board(request: Request, day: Annotated[date | None, Query(alias="date")] = None) -> Response:
    """Orders waiting, planning with progress, the plan's routes as columns of stop cards, publish, rush."""
    columns = [(c, c in REQUIRED_ORDER_COLUMNS) for c in ORDER_COLUMNS]  # the sheet's header, required marked
    geocoder = Settings().geocoder  # read per request, like the map's tiles
    return _render(
        request,
        "board_plan.html",
        {"day": (day or today()).isoformat(), "order_columns": columns, "geocoder": geocoder},
    )


@router.get("/board/map")
def live_map(
    request: Request,
    day: Annotated[date | None, Query(alias="date")] = None,
    refresh_s: Annotated[int, Query(ge=5, le=300)] = 15,
) -> Response:
    """Leaflet map: routes as polylines, stops by status, vehicles at their last position."""
    settings = Settings()  # read per request: the operator may set the tile server while it runs
    return _render(
        request,
        "board_map.html",
        {
            "day": (day or today()).isoformat(),
            "refresh_s": refresh_s,
            "tile_url": settings.map_tile_url,
            "tile_attribution": settings.map_tile_attribution,
        },
    )


@router.get("/board/exceptions")
def exception_list(
    request: Request,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
) -> Response:
    """Failed stops, cash mismatches and late deliveries of a period."""
    first = start or today()
    return _render(request, "board_exceptions.html", {"start": first.isoformat(), "end": (end or first).isoformat()})


@router.get("/board/analytics")
def analytics_page(
    request: Request,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
) -> Response:
    """Charts per day (on-time and success rates, distance) and tables per vehicle and driver."""
    last = end or today()
    first = start or date.fromordinal(last.toordinal() - 13)
    return _render(request, "board_analytics.html", {"start": first.isoformat(), "end": last.isoformat()})


@router.get("/board/static/{name}")
def board_static(name: str) -> FileResponse:
    """The pages' own scripts and styles (vendor libraries come from /static/vendor)."""
    if name not in SCRIPTS:
        raise HTTPException(status_code=404)
    return FileResponse(STATIC / name)
