"""HTML pages (mounted at the service root): the PDA app at /pda and the office page at /office.

Both are shells over the JSON API. The PDA script (floor/static/pda.js) keeps one scan field
focused for a keyboard-wedge scanner (it types the code and Enter) and sends every action
through ``SmartDist.OfflineQueue``, so a scan taken without signal is replayed once, later.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse
from starlette.responses import Response

from smartdist.web.auth_pages import require_page_principal
from smartdist.web.i18n import Translator, language_for
from smartdist_wms.floor.messages import MESSAGES

router = APIRouter(include_in_schema=False)
_STATIC = Path(str(resources.files("smartdist_wms.floor") / "static"))


def _texts(request: Request, prefix: str) -> dict[str, str]:
    t = Translator(language_for(request), MESSAGES)
    return {key.removeprefix(prefix): t(key) for key in MESSAGES["zh-TW"] if key.startswith(prefix)}


@router.get("/")
def home(request: Request) -> Response:
    """The service's home: the PDA for the floor, the office page, KPIs and API docs."""
    page: Response = request.app.state.pages.render(request, "floor_home.html")
    return page


@router.get("/pda")
def pda(request: Request) -> Response:
    """Receive, put away, pick, pack and ship by scanning: one field, big buttons, 360 px wide."""
    redirect = require_page_principal(request)
    if redirect is not None:
        return redirect
    page: Response = request.app.state.pages.render(request, "floor_pda.html", {"texts": _texts(request, "pda.")})
    return page


@router.get("/pda/app.js")
def pda_script() -> Response:
    return FileResponse(_STATIC / "pda.js", media_type="text/javascript", headers={"Cache-Control": "no-cache"})


@router.get("/office")
def office(request: Request) -> Response:
    """Documents by status and the stock by location and lot."""
    redirect = require_page_principal(request)
    if redirect is not None:
        return redirect
    page: Response = request.app.state.pages.render(request, "floor_office.html", {"texts": _texts(request, "office.")})
    return page
