"""GET /api/v1/stock: the latest on-hand counts received from the WMS."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from smartdist.auth import Principal, require_roles
from smartdist.pagination import Cursor, Limit, Page
from smartdist.web.deps import DbSession
from smartdist_forecast.stock import service
from smartdist_forecast.stock.schemas import StockLevelOut

Reader = Annotated[Principal, require_roles("clerk", "warehouse", "integrator")]
router = APIRouter(tags=["stock"])


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
    return service.list_stock(session, store, sku, limit, cursor)
