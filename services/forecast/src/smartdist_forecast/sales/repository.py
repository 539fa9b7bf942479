"""Queries of the imported sales: upserts of parsed POS rows and online orders on their natural
keys, the frames training reads back, and the per-series and per-day listings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, cast

import numpy as np
import pandas as pd
from sqlalchemy import Select, Table, and_, func, literal, or_, select, union_all
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from smartdist_forecast.sales.models import OnlineOrderDay, SalesDay

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


def has_sales(session: Session) -> bool:
    return bool(session.scalar(select(func.count()).select_from(SalesDay)))


def last_sale_day(session: Session) -> date | None:
    """The newest day with a POS or an online row (what retraining compares with the model's data)."""
    days = (session.scalar(select(func.max(SalesDay.date))), session.scalar(select(func.max(OnlineOrderDay.date))))
    return max((d for d in days if d is not None), default=None)


def last_day_per_store(session: Session) -> tuple[dict[str, date], dict[str, date]]:
    """({store: last POS day}, {store: last online day})."""
    pos_rows = session.execute(select(SalesDay.store, func.max(SalesDay.date)).group_by(SalesDay.store)).all()
    online_rows = session.execute(
        select(OnlineOrderDay.store, func.max(OnlineOrderDay.date)).group_by(OnlineOrderDay.store)
    ).all()
    pos = {store: day for store, day in pos_rows}
    online = {store: day for store, day in online_rows}
    return pos, online


def series_summary(
    session: Session, tenant: str, store: str | None, sku: str | None, after: tuple[str, str] | None, limit: int
) -> list[Any]:
    """One row per imported store × SKU (POS or online), ordered by (store, sku), after the cursor.

    Rows carry store, store_name, sku, product_name, category, first_date, last_date, days, units.
    """
    pos = select(
        SalesDay.store.label("store"),
        SalesDay.sku.label("sku"),
        SalesDay.date.label("date"),
        SalesDay.qty.label("qty"),
        SalesDay.store_name.label("store_name"),
        SalesDay.sku_name.label("sku_name"),
        SalesDay.category.label("category"),
    ).where(SalesDay.tenant_id == tenant)
    online = select(
        OnlineOrderDay.store,
        OnlineOrderDay.sku,
        OnlineOrderDay.date,
        OnlineOrderDay.qty,
        literal(""),
        literal(""),
        literal(""),
    ).where(OnlineOrderDay.tenant_id == tenant)
    if store is not None:
        pos, online = pos.where(SalesDay.store == store), online.where(OnlineOrderDay.store == store)
    if sku is not None:
        pos, online = pos.where(SalesDay.sku == sku), online.where(OnlineOrderDay.sku == sku)
    rows_q = union_all(pos, online).subquery()
    c = rows_q.c
    stmt = select(
        c.store,
        func.coalesce(func.max(c.store_name), "").label("store_name"),
        c.sku,
        func.coalesce(func.max(c.sku_name), "").label("product_name"),
        func.coalesce(func.max(c.category), "").label("category"),
        func.min(c.date).label("first_date"),
        func.max(c.date).label("last_date"),
        func.count(func.distinct(c.date)).label("days"),
        func.coalesce(func.sum(c.qty), 0).label("units"),
    ).group_by(c.store, c.sku)
    if after is not None:
        stmt = stmt.where(or_(c.store > after[0], and_(c.store == after[0], c.sku > after[1])))
    return list(session.execute(stmt.order_by(c.store, c.sku).limit(limit)).all())


def daily_sales(
    tenant: str, store: str, sku: str, start: date | None, end: date | None, channel: str | None
) -> Select[Any]:
    """Counter sales and online orders of one series as (date, channel, qty, amount, stockout_qty,
    returned_qty), oldest first.

    The tenant is named explicitly: the session's automatic scoping is not relied on inside a UNION.
    """
    pos = select(
        SalesDay.date.label("date"),
        literal("pos").label("channel"),
        SalesDay.qty.label("qty"),
        SalesDay.amount.label("amount"),
        literal(0).label("stockout_qty"),
        literal(0).label("returned_qty"),
    ).where(SalesDay.tenant_id == tenant, SalesDay.store == store, SalesDay.sku == sku)
    online = select(
        OnlineOrderDay.date.label("date"),
        OnlineOrderDay.channel.label("channel"),
        OnlineOrderDay.qty.label("qty"),
        literal(0).label("amount"),
        OnlineOrderDay.stockout_qty.label("stockout_qty"),
        OnlineOrderDay.returned_qty.label("returned_qty"),
    ).where(OnlineOrderDay.tenant_id == tenant, OnlineOrderDay.store == store, OnlineOrderDay.sku == sku)
    if start is not None:
        pos, online = pos.where(SalesDay.date >= start), online.where(OnlineOrderDay.date >= start)
    if end is not None:
        pos, online = pos.where(SalesDay.date <= end), online.where(OnlineOrderDay.date <= end)
    if channel == "pos":
        rows_q = pos.subquery()
    elif channel is not None:
        rows_q = online.where(OnlineOrderDay.channel == channel).subquery()
    else:
        rows_q = union_all(pos, online).subquery()
    c = rows_q.c
    return select(c.date, c.channel, c.qty, c.amount, c.stockout_qty, c.returned_qty).order_by(c.date, c.channel)


def daily_sales_after(stmt: Select[Any], day: date, channel: str) -> Select[Any]:
    """The rows of ``daily_sales`` after the (date, channel) a page ended on."""
    rows = stmt.selected_columns
    return stmt.where(or_(rows.date > day, and_(rows.date == day, rows.channel > channel)))


@dataclass(frozen=True)
class Series:
    """A POS series as the pages list it."""

    store: str
    store_name: str
    sku: str
    product_name: str
    first_date: date
    last_date: date
    days: int


def imported_series(session: Session) -> list[Series]:
    """Every imported POS store × SKU with its names and first/last day (one GROUP BY)."""
    rows = session.execute(
        select(
            SalesDay.store,
            func.max(SalesDay.store_name),
            SalesDay.sku,
            func.max(SalesDay.sku_name),
            func.min(SalesDay.date),
            func.max(SalesDay.date),
            func.count(),
        )
        .group_by(SalesDay.store, SalesDay.sku)
        .order_by(SalesDay.store, SalesDay.sku)
    ).all()
    return [Series(r[0], r[1] or "", r[2], r[3] or "", r[4], r[5], int(r[6])) for r in rows]
