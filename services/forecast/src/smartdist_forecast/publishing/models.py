"""The model registry and the published forecast."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from smartdist.db import TenantScoped, UtcDateTime, new_id, utcnow
from smartdist_forecast.db import Base, RowId


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
    # The chosen combination per series group, the back-test windows and the scores on later days
    # and on held-out series (``modelling.training.selection_record``); None before it was recorded.
    selection: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
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
