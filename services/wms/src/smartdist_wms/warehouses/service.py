"""Warehouse settings: read with defaults (2-step receiving until the owner chooses), changed by the owner."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartdist.db import utcnow
from smartdist_wms.config import get_settings
from smartdist_wms.warehouses.models import WarehouseSettings
from smartdist_wms.warehouses.schemas import WarehouseSettingsIn, WarehouseSettingsOut

DEFAULT_RECEIVING_STEPS = 2


def _stored(session: Session, *, lock: bool = False) -> WarehouseSettings | None:
    stmt = select(WarehouseSettings).where(WarehouseSettings.code == get_settings().warehouse_code)
    if lock:
        stmt = stmt.with_for_update()
    return session.scalar(stmt)


def receiving_steps(session: Session) -> int:
    row = _stored(session)
    return DEFAULT_RECEIVING_STEPS if row is None else row.receiving_steps


def settings_out(session: Session) -> WarehouseSettingsOut:
    row = _stored(session)
    if row is None:
        return WarehouseSettingsOut(
            code=get_settings().warehouse_code, receiving_steps=DEFAULT_RECEIVING_STEPS, updated_by="", updated_at=None
        )
    return WarehouseSettingsOut(
        code=row.code,
        receiving_steps=row.receiving_steps,
        updated_by=row.updated_by,
        updated_at=row.updated_at,
    )


def change(session: Session, body: WarehouseSettingsIn, *, by: str) -> WarehouseSettingsOut:
    row = _stored(session, lock=True)
    if row is None:
        row = WarehouseSettings(code=get_settings().warehouse_code)
        session.add(row)
    row.receiving_steps = body.receiving_steps
    row.updated_by = by
    row.updated_at = utcnow()
    session.flush()
    return settings_out(session)
