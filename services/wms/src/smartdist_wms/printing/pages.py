"""Print pages: labels, pick lists and packing lists as A4 / label-sheet pages with print CSS
(Noto CJK for the Chinese), barcodes as inline SVG. Each works from the browser's Print (or Save
as PDF); no step of the floor needs them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from markupsafe import Markup
from starlette.responses import Response

from smartdist.problems import Forbidden
from smartdist.web.auth_pages import require_page_principal
from smartdist.web.deps import IntId
from smartdist_wms.printing import service
from smartdist_wms.products.schemas import NO_NUL
from smartdist_wms.staff.roles import DOCUMENT_ROLES

router = APIRouter(prefix="/print", include_in_schema=False)

Codes = Annotated[list[str], Query(max_length=200)]


@contextmanager
def _reading(request: Request) -> Iterator[Any]:
    """The staff member's read-only session of their tenant."""
    principal = request.state.principal
    if principal.tenant_id is None or not principal.has_role(*DOCUMENT_ROLES):
        raise Forbidden("Printing needs one of the roles: " + ", ".join(DOCUMENT_ROLES))
    database = request.app.state.runtime.database
    with database.tenant_session(str(principal.tenant_id), read_only=True) as session, session.begin():
        yield session


def _render(request: Request, template: str, context: dict[str, Any]) -> Response:
    page: Response = request.app.state.pages.render(request, template, context)
    return page


def _checked(values: list[str], max_length: int) -> list[str]:
    return [v for v in values if v and len(v) <= max_length and "\x00" not in v]


@router.get("/location-labels")
def location_labels(
    request: Request,
    zone: Annotated[str | None, Query(min_length=1, max_length=40, pattern=NO_NUL)] = None,
    code: Codes = [],  # noqa: B006 - FastAPI copies the default
) -> Response:
    """Location labels in walking order: the codes given, else a zone's, else all."""
    if (redirect := require_page_principal(request)) is not None:
        return redirect
    with _reading(request) as session:
        labels = service.location_labels(session, zone=zone, codes=_checked(code, 40))
    return _render(request, "printing_labels.html", {"labels": labels, "kind": "location", "svg": Markup})


@router.get("/product-labels")
def product_labels(
    request: Request,
    sku: Codes = [],  # noqa: B006 - FastAPI copies the default
    copies: Annotated[int, Query(ge=1, le=50)] = 1,
) -> Response:
    """Product barcode labels (unit barcode, else the SKU), ``copies`` of each."""
    if (redirect := require_page_principal(request)) is not None:
        return redirect
    with _reading(request) as session:
        labels = service.product_labels(session, _checked(sku, 60), copies=copies)
    return _render(request, "printing_labels.html", {"labels": labels, "kind": "product", "svg": Markup})


@router.get("/outbound-orders/{order_id}/pick-list")
def pick_list(request: Request, order_id: IntId) -> Response:
    """The order's pick list in walking order, each location with its barcode."""
    if (redirect := require_page_principal(request)) is not None:
        return redirect
    with _reading(request) as session:
        doc = service.pick_list(session, order_id)
    return _render(request, "printing_pick_list.html", {"doc": doc, "svg": Markup})


@router.get("/outbound-orders/{order_id}/packing-list")
def packing_list(request: Request, order_id: IntId) -> Response:
    """The packing list that goes into the parcel."""
    if (redirect := require_page_principal(request)) is not None:
        return redirect
    with _reading(request) as session:
        order, barcode = service.packing_list(session, order_id)
    return _render(request, "printing_packing_list.html", {"order": order, "barcode": Markup(barcode)})


@router.get("/pick-waves/{wave_id}/pick-list")
def wave_pick_list(request: Request, wave_id: IntId) -> Response:
    """A wave's pick lists (per order, batch or zone) with the tote split."""
    if (redirect := require_page_principal(request)) is not None:
        return redirect
    with _reading(request) as session:
        lists, barcodes = service.wave_pick_list(session, wave_id)
    return _render(request, "printing_wave_pick_list.html", {"wave": lists, "barcodes": barcodes, "svg": Markup})
