"""The home delivery an outbound order asked for, and the courier booked for it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smartdist.db import TenantScoped, UtcDateTime, utcnow
from smartdist_wms.db import Base, IdColumn


class OutboundDelivery(TenantScoped, Base):
    __tablename__ = "outbound_delivery"
    __table_args__ = (UniqueConstraint("tenant_id", "order_id"),)

    id: Mapped[int] = mapped_column(IdColumn, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("outbound_order.id"))
    ref: Mapped[str] = mapped_column(String(60))
    pickup: Mapped[dict[str, Any]] = mapped_column(JSON)  # {"lat", "lng", "address"}
    dropoff: Mapped[dict[str, Any]] = mapped_column(JSON)
    contact: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)  # {"name", "phone"}
    cod_amount: Mapped[int] = mapped_column(Integer, default=0)
    provider_wanted: Mapped[str | None] = mapped_column(String(40), nullable=True)
    # Where the broker answers when no URL is configured (the one-process demo's own origin).
    broker_hint: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # requested (not shipped) | booking | pending | assigned | picked_up | delivered | cancelled | failed | returned
    status: Mapped[str] = mapped_column(String(20), default="requested", index=True)
    provider: Mapped[str | None] = mapped_column(String(40), nullable=True)
    fee: Mapped[int | None] = mapped_column(Integer, nullable=True)
    delivery_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    delivery_no: Mapped[str | None] = mapped_column(String(64), nullable=True)
    tracking_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    attempted_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    booked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    status_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
