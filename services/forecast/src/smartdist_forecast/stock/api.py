"""GET /api/v1/stock: the latest on-hand counts received from the WMS."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import select

from smartdist.auth import Principal, require_roles
from smartdist.pagination import Cursor, Limit, Page, paginate
from smartdist.web.deps import DbSession
from smartdist_forecast.tables import StockLevel

Reader = Annotated[Principal, require_roles("clerk", "warehouse", "integrator")]
router = APIRouter(tags=["stock"])


class StockLevelOut(BaseModel):
    store: str
    sku: str
    on_hand: float
    at: datetime
    location_kind: str
    updated_at: datetime


def level_out(row: StockLevel) -> StockLevelOut:
    return StockLevelOut(
        store=row.store,
        sku=row.sku,
        on_hand=row.on_hand,
        at=row.at,
        location_kind=row.location_kind,
        updated_at=row.updated_at,
    )


@router.get("/stock", response_model=Page[StockLevelOut])
def list_stock(
    session: DbSession,
    principal: Reader,
    store: Annotated[str | None, Query(max_length=40)] = None,
    sku: Annotated[str | None, Query(max_length=60)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[StockLevelOut]:
    """The latest count per store (or warehouse) and SKU, with when the WMS took it (``at``)."""
    stmt = select(StockLevel)
    if store is not None:
        stmt = stmt.where(StockLevel.store == store)
    if sku is not None:
        stmt = stmt.where(StockLevel.sku == sku)
    return paginate(session, stmt, StockLevel.id, limit=limit, cursor=cursor, serialize=level_out)
