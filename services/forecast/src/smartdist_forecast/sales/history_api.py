"""GET /api/v1/series and GET /api/v1/sales: what has been imported, per series and per day.

``/series`` is one row per imported store × SKU (a SQL GROUP BY over ``sales_day`` and
``online_order_day``): ``days`` counts days with any sale row, ``units`` sums counter and online
units; paged by (store, sku). ``/sales`` is the daily actuals of one series: counter sales (channel ``pos``) and
the online channels (``delivery`` / ``pickup``, with their stock-out and return counts), paged by
(date, channel); ``format=csv`` gives every matching row.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import and_, func, literal, or_, select, union_all

from smartdist.auth import Principal, require_roles
from smartdist.pagination import Cursor, Limit, decode_cursor, encode_cursor
from smartdist.problems import Unprocessable
from smartdist.web.deps import DbSession
from smartdist_forecast.tables import OnlineOrderDay, SalesDay

Reader = Annotated[Principal, require_roles("clerk", "warehouse", "integrator")]
router = APIRouter(tags=["sales"])
CHANNELS = ("pos", "delivery", "pickup")
SALES_COLUMNS = ["date", "channel", "qty", "amount", "stockout_qty", "returned_qty"]


class SeriesOut(BaseModel):
    store: str
    store_name: str
    sku: str
    product_name: str
    category: str
    first_date: date
    last_date: date
    days: int
    units: int


class SeriesPage(BaseModel):
    items: list[SeriesOut]
    next_cursor: str | None = None


class SalesDayOut(BaseModel):
    date: date
    channel: str
    qty: int
    amount: int
    stockout_qty: int
    returned_qty: int


class SalesPage(BaseModel):
    items: list[SalesDayOut]
    next_cursor: str | None = None


def _pair_cursor(cursor: str | None, name: str) -> tuple[str, str] | None:
    if not cursor:
        return None
    value = decode_cursor(cursor)
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)):
        raise Unprocessable(
            "cursor is not one this API gave out",
            errors=[{"loc": ["query", "cursor"], "message": f"invalid cursor for {name}"}],
        )
    return value[0], value[1]


@router.get("/series", response_model=SeriesPage)
def list_series(
    session: DbSession,
    principal: Reader,
    store: Annotated[str | None, Query(max_length=40)] = None,
    sku: Annotated[str | None, Query(max_length=60)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> SeriesPage:
    """One row per imported store × SKU (POS or online): names, first and last day, days with sales, units."""
    tenant = str(principal.tenant_id)
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
        func.max(c.store_name),
        c.sku,
        func.max(c.sku_name),
        func.max(c.category),
        func.min(c.date),
        func.max(c.date),
        func.count(func.distinct(c.date)),
        func.coalesce(func.sum(c.qty), 0),
    ).group_by(c.store, c.sku)
    after = _pair_cursor(cursor, "series")
    if after is not None:
        stmt = stmt.where(or_(c.store > after[0], and_(c.store == after[0], c.sku > after[1])))
    rows = session.execute(stmt.order_by(c.store, c.sku).limit(limit + 1)).all()
    items = [
        SeriesOut(
            store=r[0],
            store_name=r[1] or "",
            sku=r[2],
            product_name=r[3] or "",
            category=r[4] or "",
            first_date=r[5],
            last_date=r[6],
            days=int(r[7]),
            units=int(r[8]),
        )
        for r in rows[:limit]
    ]
    more = len(rows) > limit
    return SeriesPage(items=items, next_cursor=encode_cursor([items[-1].store, items[-1].sku]) if more else None)


def _daily_rows(tenant: str, store: str, sku: str, start: date | None, end: date | None, channel: str | None) -> Any:
    """Counter sales and online orders of one series as one (date, channel, ...) selectable.

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
        return pos.subquery()
    if channel is not None:
        return online.where(OnlineOrderDay.channel == channel).subquery()
    return union_all(pos, online).subquery()


@router.get("/sales", response_model=SalesPage, responses={200: {"content": {"text/csv": {}}}})
def list_sales(
    session: DbSession,
    principal: Reader,
    store: Annotated[str, Query(min_length=1, max_length=40)],
    sku: Annotated[str, Query(min_length=1, max_length=60)],
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
    channel: Literal["pos", "delivery", "pickup"] | None = None,
    format: Literal["json", "csv"] = "json",  # noqa: A002 - the API's parameter name, like /forecasts
    limit: Limit = 500,
    cursor: Cursor = None,
) -> Any:
    """Daily actuals of one store × SKU, oldest first: one row per day and channel (pos, delivery, pickup)."""
    if start is not None and end is not None and start > end:
        raise Unprocessable(
            "'from' is after 'to'", errors=[{"loc": ["query", "from"], "message": "must not be after 'to'"}]
        )
    rows_q = _daily_rows(str(principal.tenant_id), store, sku, start, end, channel)
    stmt = select(
        rows_q.c.date, rows_q.c.channel, rows_q.c.qty, rows_q.c.amount, rows_q.c.stockout_qty, rows_q.c.returned_qty
    ).order_by(rows_q.c.date, rows_q.c.channel)
    if format == "csv":
        table = pd.DataFrame(session.execute(stmt).all(), columns=SALES_COLUMNS)
        table["date"] = table["date"].map(lambda d: d.isoformat())
        out = io.StringIO()
        table.to_csv(out, index=False, lineterminator="\n")
        return Response(
            out.getvalue().encode("utf-8-sig"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="sales-{store}-{sku}.csv"'},
        )
    after = _pair_cursor(cursor, "sales")
    if after is not None:
        try:
            day = date.fromisoformat(after[0])
        except ValueError:
            raise Unprocessable(
                "cursor is not one this API gave out",
                errors=[{"loc": ["query", "cursor"], "message": "invalid cursor"}],
            ) from None
        stmt = stmt.where(or_(rows_q.c.date > day, and_(rows_q.c.date == day, rows_q.c.channel > after[1])))
    rows = session.execute(stmt.limit(limit + 1)).all()
    items = [
        SalesDayOut(
            date=r[0], channel=r[1], qty=int(r[2]), amount=int(r[3]), stockout_qty=int(r[4]), returned_qty=int(r[5])
        )
        for r in rows[:limit]
    ]
    more = len(rows) > limit
    next_cursor = encode_cursor([items[-1].date.isoformat(), items[-1].channel]) if more else None
    return SalesPage(items=items, next_cursor=next_cursor)
