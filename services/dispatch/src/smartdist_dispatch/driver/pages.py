"""HTML pages (mounted at the service root): the driver's phone app at /driver.

The page is a shell over the driver API: its script (driver/static/driver.js) loads today's route,
queues every action with ``SmartDist.OfflineQueue`` (one Idempotency-Key each) and keeps the last
route on the phone, so a driver without signal keeps working and syncs later.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse
from starlette.responses import Response

from smartdist.web.auth_pages import require_page_principal
from smartdist.web.i18n import Translator, language_for
from smartdist_dispatch.driver.domain import REASON_CODES
from smartdist_dispatch.driver.messages import MESSAGES

router = APIRouter(include_in_schema=False)

_STATIC = Path(str(resources.files("smartdist_dispatch.driver") / "static"))

_TEXT_KEYS = [key.removeprefix("driver.") for key in MESSAGES["zh-TW"]]


def _texts(request: Request) -> dict[str, Any]:
    """Every text the page script shows, in the page's language."""
    t = Translator(language_for(request), MESSAGES)
    return {key: t(f"driver.{key}") for key in _TEXT_KEYS} | {"reason_codes": list(REASON_CODES)}


@router.get("/driver")
def driver_app(
    request: Request, driver_id: Annotated[int | None, Query(ge=1, description="for a dispatcher")] = None
) -> Response:
    """Today's stops as big one-hand cards: navigate, call, arrive / deliver / fail, proof, cash, GPS."""
    redirect = require_page_principal(request)
    if redirect is not None:
        return redirect
    page: Response = request.app.state.pages.render(
        request, "driver_app.html", {"texts": _texts(request), "driver_id": driver_id}
    )
    return page


@router.get("/driver/app.js")
def driver_script() -> Response:
    return FileResponse(_STATIC / "driver.js", media_type="text/javascript", headers={"Cache-Control": "no-cache"})


@router.get("/driver/sw.js")
def driver_service_worker(request: Request) -> Response:
    """The service worker that opens the app without signal; its scope is the app's own path."""
    scope = request.scope.get("root_path", "") + "/driver"
    headers = {"Cache-Control": "no-cache", "Service-Worker-Allowed": scope}
    return FileResponse(_STATIC / "sw.js", media_type="text/javascript", headers=headers)
