"""The service's home page; app.py mounts it with the board's and the driver's pages."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from smartdist.web.auth_pages import require_page_principal

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request) -> Response:
    """The service's front door: the dispatcher's pages and the driver's app."""
    redirect: Response | None = require_page_principal(request)
    if redirect is not None:
        return redirect
    page: Response = request.app.state.pages.render(request, "dispatch_home.html")
    return page
