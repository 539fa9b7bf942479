"""The imported sales: POS rows per store, SKU and day, and the online channels' rows."""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Date, Float, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smartdist.db import TenantScoped
from smartdist_forecast.db import Base, RowId


class SalesDay(TenantScoped, Base):
    """One POS row: a store's sales of one product on one day (re-imports upsert on the key)."""

    __tablename__ = "sales_day"
    __table_args__ = (UniqueConstraint("tenant_id", "store", "sku", "date"),)

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    store: Mapped[str] = mapped_column(String(40))
    sku: Mapped[str] = mapped_column(String(60))
    date: Mapped[date] = mapped_column(Date)
    qty: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[int] = mapped_column(BigInteger)  # TWD
    store_name: Mapped[str] = mapped_column(String(200), default="")
    sku_name: Mapped[str] = mapped_column(String(300), default="")
    category: Mapped[str] = mapped_column(String(60), default="")
    category_name: Mapped[str] = mapped_column(String(200), default="")
    lunar_date: Mapped[str] = mapped_column(String(8), default="")
    weather: Mapped[str] = mapped_column(String(60), default="")
    temp_low: Mapped[float | None] = mapped_column(Float, nullable=True)
    temp_high: Mapped[float | None] = mapped_column(Float, nullable=True)
    week: Mapped[int | None] = mapped_column(Integer, nullable=True)


class OnlineOrderDay(TenantScoped, Base):
    """One day of one store × SKU on one online channel (store delivery or pickup); re-imports upsert."""

    __tablename__ = "online_order_day"
    __table_args__ = (UniqueConstraint("tenant_id", "store", "sku", "date", "channel"),)

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    store: Mapped[str] = mapped_column(String(40))
    sku: Mapped[str] = mapped_column(String(60))
    date: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(20))  # delivery | pickup
    qty: Mapped[int] = mapped_column(BigInteger)
    stockout_qty: Mapped[int] = mapped_column(BigInteger, default=0)
    returned_qty: Mapped[int] = mapped_column(BigInteger, default=0)
