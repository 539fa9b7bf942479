"""Delivery orders and every platform status event received for them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smartdist.db import TenantScoped, UtcDateTime, new_id, utcnow
from smartdist_delivery_broker.db import Base


class DeliveryOrder(TenantScoped, Base):
    __tablename__ = "delivery_order"
    __table_args__ = (
        UniqueConstraint("tenant_id", "no", name="uq_delivery_order_tenant_no"),
        # Webhooks find their order by the platform's id: one order per platform reference.
        UniqueConstraint("provider", "platform_ref", name="uq_delivery_order_provider_platform_ref"),
        Index("ix_delivery_order_tenant_created", "tenant_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    no: Mapped[str] = mapped_column(String(40))
    reference: Mapped[str | None] = mapped_column(String(100), nullable=True)
    provider: Mapped[str] = mapped_column(String(40))
    platform_ref: Mapped[str | None] = mapped_column(String(100), nullable=True)
    quote_set_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    status: Mapped[str] = mapped_column(String(20))
    raw_status: Mapped[str | None] = mapped_column(String(60), nullable=True)
    status_at: Mapped[datetime] = mapped_column(UtcDateTime())
    courier_accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    pickup: Mapped[dict[str, Any]] = mapped_column(JSON)
    dropoff: Mapped[dict[str, Any]] = mapped_column(JSON)
    distance_m: Mapped[int] = mapped_column(Integer)
    cod_amount: Mapped[int] = mapped_column(Integer, default=0)
    goods_value: Mapped[int] = mapped_column(Integer, default=0)
    fee: Mapped[int] = mapped_column(Integer)
    fee_breakdown: Mapped[dict[str, int]] = mapped_column(JSON)
    platform_fee: Mapped[int | None] = mapped_column(Integer, nullable=True)
    subsidised: Mapped[bool] = mapped_column(default=False)
    tracking_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # Booking time + the booked quote's ETA: what the consumer tracking page promises.
    eta_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # Own fleet: when dispatch said that ETA (its event's time); an older ETA never replaces it.
    eta_as_of: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # Pickup time asked for in the quote (None = now); the own fleet plans its time window from it.
    scheduled_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # The courier's latest reported position and when the platform saw it there (tracking map).
    courier_lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    courier_lng: Mapped[float | None] = mapped_column(Float, nullable=True)
    courier_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # Own fleet: cancelling is asked of dispatch over the bus and answered later (cancelled, or a
    # refusal with its reason while the delivery keeps its status). Empty for the platforms.
    cancel_requested_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    cancel_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    cancel_answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    cancel_refusal: Mapped[str | None] = mapped_column(String(300), nullable=True)
    # Own fleet refused by dispatch, then booked on a platform: that delivery (booked once).
    rebooked_as_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # Own fleet: dispatch refused the booking (`order.rejected`): its reason and reason code.
    dispatch_refusal: Mapped[str | None] = mapped_column(String(300), nullable=True)
    dispatch_refusal_code: Mapped[str | None] = mapped_column(String(60), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)


class DeliveryStatusEvent(TenantScoped, Base):
    """One status report from a platform (or our own booking/cancel), kept raw, with its outcome."""

    __tablename__ = "delivery_status_event"
    __table_args__ = (
        # The database, not only the code, makes a repeated webhook count once.
        UniqueConstraint("order_id", "event_key", name="uq_delivery_status_event_order_key"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    order_id: Mapped[str] = mapped_column(ForeignKey("delivery_order.id"), index=True)
    provider: Mapped[str] = mapped_column(String(40))
    event_key: Mapped[str] = mapped_column(String(100))
    raw_status: Mapped[str] = mapped_column(String(60))
    status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    outcome: Mapped[str] = mapped_column(String(20))
    late: Mapped[bool] = mapped_column(default=False)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime())
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    detail: Mapped[str] = mapped_column(String(200), default="")
    raw: Mapped[dict[str, Any]] = mapped_column(JSON)
