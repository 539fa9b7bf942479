"""Forecast's own tables: imported sales (POS and online), stock on hand, the model registry and the forecast."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smartdist.db import TenantScoped, UtcDateTime, new_id, utcnow
from smartdist_forecast.db import Base

# SQLite only autoincrements an INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
RowId = BigInteger().with_variant(Integer(), "sqlite")


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


class ModelVersion(TenantScoped, Base):
    """The registry: one trained model with its back-test metrics and its artefact."""

    __tablename__ = "model_version"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    horizon_days: Mapped[int] = mapped_column(Integer)
    chosen_model: Mapped[str] = mapped_column(String(60))
    n_series: Mapped[int] = mapped_column(Integer)
    data_start: Mapped[date] = mapped_column(Date)
    data_end: Mapped[date] = mapped_column(Date)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON)
    artefact: Mapped[str] = mapped_column(Text)


class ForecastPoint(TenantScoped, Base):
    """One day of one series' published forecast with its 80% band."""

    __tablename__ = "forecast_point"
    __table_args__ = (Index("ix_forecast_point_series_day", "tenant_id", "store", "sku", "date"),)

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    model_version_id: Mapped[str] = mapped_column(ForeignKey("model_version.id", ondelete="CASCADE"), index=True)
    store: Mapped[str] = mapped_column(String(40))
    sku: Mapped[str] = mapped_column(String(60))
    date: Mapped[date] = mapped_column(Date)
    yhat: Mapped[float] = mapped_column(Float)
    yhat_lo: Mapped[float] = mapped_column(Float)
    yhat_hi: Mapped[float] = mapped_column(Float)


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


class StockLevel(TenantScoped, Base):
    """The latest on-hand count the WMS reported for a store (or warehouse) and SKU.

    Last write wins by ``at`` (when the WMS counted), not by arrival: events can come late or twice.
    """

    __tablename__ = "stock_level"
    __table_args__ = (UniqueConstraint("tenant_id", "store", "sku"),)

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    store: Mapped[str] = mapped_column(String(40))
    sku: Mapped[str] = mapped_column(String(60))
    on_hand: Mapped[float] = mapped_column(Float)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    location_kind: Mapped[str] = mapped_column(String(20), default="store")  # store | warehouse
    event_id: Mapped[str] = mapped_column(String(100), default="")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class ProductProfile(TenantScoped, Base):
    """Per-SKU facts the waste count needs: shelf life (days) and the weight of one unit (kg)."""

    __tablename__ = "product_profile"
    __table_args__ = (UniqueConstraint("tenant_id", "sku"),)

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    sku: Mapped[str] = mapped_column(String(60))
    shelf_life_days: Mapped[int] = mapped_column(Integer)
    unit_kg: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
