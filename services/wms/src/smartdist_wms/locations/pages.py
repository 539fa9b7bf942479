"""The location history page: every unit that went into or out of a location, from the ledger."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from smartdist.pagination import Cursor
from smartdist.problems import Forbidden
from smartdist.web.auth_pages import require_page_principal
from smartdist_wms.locations import service
from smartdist_wms.products.schemas import NO_NUL
from smartdist_wms.staff.roles import DOCUMENT_ROLES

router = APIRouter(include_in_schema=False)


@router.get("/locations/history")
def location_history(
    request: Request,
    code: Annotated[str | None, Query(min_length=1, max_length=40, pattern=NO_NUL)] = None,
    cursor: Cursor = None,
) -> Response:
    """Look a location up by its code (scan its label), then its stock and its moves, newest first."""
    if (redirect := require_page_principal(request)) is not None:
        return redirect
    principal = request.state.principal
    if principal.tenant_id is None or not principal.has_role(*DOCUMENT_ROLES):
        raise Forbidden("The location history needs one of the roles: " + ", ".join(DOCUMENT_ROLES))
    history = None
    if code is not None:
        database = request.app.state.runtime.database
        with database.tenant_session(str(principal.tenant_id), read_only=True) as session, session.begin():
            history = service.history(session, code, cursor=cursor)
    page: Response = request.app.state.pages.render(
        request, "locations_history.html", {"code": code or "", "history": history}
    )
    return page
