"""The delivery order table: everything planning.model.Stop needs, plus what the driver sees."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smartdist.db import TenantScoped, UtcDateTime, utcnow
from smartdist_dispatch.db import Base
from smartdist_dispatch.fleet.models import IdColumn


class DeliveryOrder(TenantScoped, Base):
    __tablename__ = "delivery_order"
    __table_args__ = (UniqueConstraint("tenant_id", "order_no"),)

    id: Mapped[int] = mapped_column(IdColumn, primary_key=True)
    order_no: Mapped[str] = mapped_column(String(64))
    customer_name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str] = mapped_column(String(400), default="")
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    # [[start, end], ...] as RFC 3339 strings; several windows per stop (e.g. morning or evening).
    time_windows: Mapped[list[Any]] = mapped_column(JSON, default=list)
    service_s: Mapped[int] = mapped_column(Integer, default=0)
    weight_kg: Mapped[float] = mapped_column(Float, default=0.0)
    volume_l: Mapped[float] = mapped_column(Float, default=0.0)
    boxes: Mapped[int] = mapped_column(Integer, default=0)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    cash_to_collect_twd: Mapped[int] = mapped_column(Integer, default=0)
    notes: Mapped[str] = mapped_column(String(1000), default="")
    status: Mapped[str] = mapped_column(String(20), default="created", index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
