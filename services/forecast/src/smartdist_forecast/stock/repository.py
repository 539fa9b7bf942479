"""Queries of the WMS's stock counts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from smartdist_forecast.stock.models import StockLevel


def stock_levels(store: str | None, sku: str | None) -> Select[Any]:
    stmt = select(StockLevel)
    if store is not None:
        stmt = stmt.where(StockLevel.store == store)
    if sku is not None:
        stmt = stmt.where(StockLevel.sku == sku)
    return stmt


def store_counts(session: Session) -> dict[tuple[str, str], float]:
    """{(store, sku): on_hand} of the shops (warehouse counts are left out)."""
    rows = session.scalars(select(StockLevel).where(StockLevel.location_kind == "store"))
    return {(r.store, r.sku): r.on_hand for r in rows}


def stock_level(session: Session, store: str, sku: str) -> StockLevel | None:
    return session.scalar(select(StockLevel).where(StockLevel.store == store, StockLevel.sku == sku))
