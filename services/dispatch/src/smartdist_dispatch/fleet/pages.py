"""The fleet page (``/board/fleet``): a new merchant's first run — depots, vans and drivers created,
changed or imported from a sheet, with a checklist of what to do before the first plan.

A server-rendered shell over the fleet's JSON API (``/api/v1/depots|vehicles|drivers`` and their
``/import``); the page script holds no business rule of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from starlette.responses import FileResponse, Response

from smartdist.web.auth_pages import require_page_principal
from smartdist.web.i18n import Translator, language_for
from smartdist_dispatch.fleet.messages import MESSAGES
from smartdist_dispatch.fleet.service import DEPOTS, DRIVERS, VEHICLES, Resource

router = APIRouter(include_in_schema=False)

STATIC = Path(__file__).parent / "static"
SCRIPTS = {p.name for p in STATIC.glob("*.js")}


@dataclass(frozen=True)
class Input:
    """One field of a resource's form: its JSON name, its kind and whether the API requires it."""

    name: str
    kind: str  # text | number | time | kind (van/scooter) | depot | vehicle (a stored row by id)
    required: bool = False
    default: str = ""
    step: str = "any"
    nullable: bool = False  # a change may clear it (sent as null)


@dataclass(frozen=True)
class Section:
    plural: str
    resource: Resource
    inputs: tuple[Input, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return self.resource.sheet.columns

    @property
    def required_columns(self) -> tuple[str, ...]:
        return self.resource.sheet.required


SECTIONS = (
    Section(
        "depots",
        DEPOTS,
        (
            Input("code", "text", True),
            Input("name", "text", True),
            Input("address", "text"),
            Input("lat", "number"),  # or the address alone, when a geocoder is set up
            Input("lng", "number"),
        ),
    ),
    Section(
        "vehicles",
        VEHICLES,
        (
            Input("code", "text", True),
            Input("kind", "kind", True, "van"),
            Input("depot_id", "depot", nullable=True),
            Input("capacity_weight_kg", "number", True, "800"),
            Input("capacity_volume_l", "number", True, "3000"),
            Input("capacity_boxes", "number", True, "50", step="1"),
            Input("shift_start", "time", True, "08:00"),
            Input("shift_end", "time", True, "18:00"),
        ),
    ),
    Section(
        "drivers",
        DRIVERS,
        (
            Input("code", "text", True),
            Input("name", "text", True),
            Input("phone", "text"),
            Input("vehicle_id", "vehicle", nullable=True),
        ),
    ),
)


def _texts(request: Request) -> dict[str, str]:
    """The page script's texts in the page's language."""
    t = Translator(language_for(request), request.app.state.pages.messages)
    keys = set(MESSAGES["zh-TW"]) | {"board.import.done", "board.route.no_driver"}
    return {key: t(key) for key in sorted(keys)}


@router.get("/board/fleet")
def fleet_page(request: Request) -> Response:
    """Depots, vehicles and drivers: list, create, change, import; the first-run checklist."""
    redirect: Response | None = require_page_principal(request)
    if redirect is not None:
        return redirect
    page: Response = request.app.state.pages.render(
        request, "fleet_setup.html", {"texts": _texts(request), "sections": SECTIONS}
    )
    return page


@router.get("/fleet/static/{name}")
def fleet_static(name: str) -> FileResponse:
    """The fleet page's own script."""
    if name not in SCRIPTS:
        raise HTTPException(status_code=404)
    return FileResponse(STATIC / name)
