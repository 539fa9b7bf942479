"""/api/v1/warehouse-settings: the warehouse's choice of 1-, 2- or 3-step receiving."""

from __future__ import annotations

from fastapi import APIRouter

from smartdist.web.deps import DbSession
from smartdist_wms.staff.roles import Owner, Reader
from smartdist_wms.warehouses import service
from smartdist_wms.warehouses.schemas import WarehouseSettingsIn, WarehouseSettingsOut

router = APIRouter(tags=["warehouse settings"])


@router.get("/warehouse-settings", response_model=WarehouseSettingsOut)
def get_settings(session: DbSession, principal: Reader) -> WarehouseSettingsOut:
    """This warehouse's settings (2-step receiving until the owner chooses)."""
    return service.settings_out(session)


@router.put("/warehouse-settings", response_model=WarehouseSettingsOut)
def put_settings(body: WarehouseSettingsIn, session: DbSession, principal: Owner) -> WarehouseSettingsOut:
    """Choose 1-step (receive and put away at once), 2-step or 3-step (with inspection) receiving."""
    return service.change(session, body, by=principal.subject)
