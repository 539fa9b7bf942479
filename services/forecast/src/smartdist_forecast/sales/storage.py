"""Storing parsed POS rows and online orders (upserts on their natural keys) and reading them back for training."""

from __future__ import annotations

from typing import Any, cast

import numpy as np
import pandas as pd
from sqlalchemy import Table, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from smartdist_forecast.tables import OnlineOrderDay, SalesDay

# Rows per INSERT batch: well under SQLite's bound-parameter limit per statement page.
UPSERT_BATCH = 5_000
UPDATED_ON_CONFLICT = (
    "qty",
    "amount",
    "store_name",
    "sku_name",
    "category",
    "category_name",
    "lunar_date",
    "weather",
    "temp_low",
    "temp_high",
    "week",
)


def _optional_float(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _optional_int(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def sales_rows(sales: pd.DataFrame, tenant_id: str) -> list[dict[str, Any]]:
    """The parser's accepted rows as sales_day values (the tenant stamped explicitly: Core insert)."""
    dates = pd.to_datetime(sales["date"]).dt.date
    return [
        {
            "tenant_id": tenant_id,
            "store": str(r.store),
            "sku": str(r.sku),
            "date": day,
            "qty": int(r.qty),
            "amount": int(r.amount),
            "store_name": str(r.store_name),
            "sku_name": str(r.product_name),
            "category": str(r.category),
            "category_name": str(r.category_name),
            "lunar_date": str(r.lunar_date),
            "weather": str(r.weather),
            "temp_low": _optional_float(r.temp_low),
            "temp_high": _optional_float(r.temp_high),
            "week": _optional_int(r.week),
        }
        for r, day in zip(sales.itertuples(index=False), dates, strict=True)
    ]


def _upsert(
    session: Session,
    table: Table,
    rows: list[dict[str, Any]],
    key: list[str],
    updated: tuple[str, ...],
    progress: Any = None,
) -> int:
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    for start in range(0, len(rows), UPSERT_BATCH):
        stmt = insert(table)
        stmt = stmt.on_conflict_do_update(index_elements=key, set_={name: stmt.excluded[name] for name in updated})
        session.execute(stmt, rows[start : start + UPSERT_BATCH])
        if progress is not None:
            progress(min(start + UPSERT_BATCH, len(rows)) / max(len(rows), 1))
    return len(rows)


def upsert_sales(session: Session, sales: pd.DataFrame, tenant_id: str, progress: Any = None) -> int:
    """Insert or overwrite the rows; importing the same file twice leaves one row per key."""
    return _upsert(
        session,
        cast(Table, SalesDay.__table__),
        sales_rows(sales, tenant_id),
        ["tenant_id", "store", "sku", "date"],
        UPDATED_ON_CONFLICT,
        progress,
    )


def upsert_online_orders(session: Session, orders: pd.DataFrame, tenant_id: str) -> int:
    """Insert or overwrite online order rows on (tenant, store, SKU, day, channel)."""
    dates = pd.to_datetime(orders["date"]).dt.date
    rows = [
        {
            "tenant_id": tenant_id,
            "store": str(r.store),
            "sku": str(r.sku),
            "date": day,
            "channel": str(r.channel),
            "qty": int(r.qty),
            "stockout_qty": int(r.stockout_qty),
            "returned_qty": int(r.returned_qty),
        }
        for r, day in zip(orders.itertuples(index=False), dates, strict=True)
    ]
    return _upsert(
        session,
        cast(Table, OnlineOrderDay.__table__),
        rows,
        ["tenant_id", "store", "sku", "date", "channel"],
        ("qty", "stockout_qty", "returned_qty"),
    )


def tenant_sales(session: Session) -> pd.DataFrame:
    """All of the session tenant's sales as the frame ``demand_panel`` takes (store, sku, date, qty...)."""
    result = session.execute(
        select(SalesDay.store, SalesDay.sku, SalesDay.date, SalesDay.qty, SalesDay.amount, SalesDay.category)
    ).all()
    frame = pd.DataFrame(result, columns=["store", "sku", "date", "qty", "amount", "category"])
    frame["date"] = pd.to_datetime(frame["date"])
    frame["qty"] = frame["qty"].astype(np.int64)
    frame["amount"] = frame["amount"].astype(np.int64)
    return frame


def tenant_online_orders(session: Session) -> pd.DataFrame:
    """All of the session tenant's online orders as ``daily_demand`` takes them (may be empty)."""
    result = session.execute(
        select(
            OnlineOrderDay.store,
            OnlineOrderDay.sku,
            OnlineOrderDay.date,
            OnlineOrderDay.channel,
            OnlineOrderDay.qty,
            OnlineOrderDay.stockout_qty,
            OnlineOrderDay.returned_qty,
        )
    ).all()
    frame = pd.DataFrame(result, columns=["store", "sku", "date", "channel", "qty", "stockout_qty", "returned_qty"])
    frame["date"] = pd.to_datetime(frame["date"])
    for column in ("qty", "stockout_qty", "returned_qty"):
        frame[column] = frame[column].astype(np.int64)
    return frame


def tenant_weather(session: Session) -> pd.DataFrame:
    """The session tenant's recorded weather, one row per store-day (store, date, temp_low, temp_high, weather).

    Every SKU row of a store-day carries the same POS weather columns; GROUP BY keeps one (MAX
    prefers a written description over a blank one). Loaded only when a training run is given a
    weather forecast.
    """
    result = session.execute(
        select(
            SalesDay.store,
            SalesDay.date,
            func.min(SalesDay.temp_low),
            func.max(SalesDay.temp_high),
            func.max(SalesDay.weather),
        ).group_by(SalesDay.store, SalesDay.date)
    ).all()
    frame = pd.DataFrame(result, columns=["store", "date", "temp_low", "temp_high", "weather"])
    frame["date"] = pd.to_datetime(frame["date"])
    for column in ("temp_low", "temp_high"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    frame["weather"] = frame["weather"].fillna("").astype(str)
    return frame


def tenant_demand_inputs(session: Session) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(POS sales, online orders) of the session tenant: what ``demand_panel`` combines."""
    return tenant_sales(session), tenant_online_orders(session)
