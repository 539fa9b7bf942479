"""Reservations: a consumer's hold on some units of a listing, paid, picked up or delivered."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from smartdist.db import TenantScoped, UtcDateTime, new_id, utcnow
from smartdist_surplus_market.db import Base


class Reservation(TenantScoped, Base):
    __tablename__ = "reservation"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    listing_id: Mapped[str] = mapped_column(String(32), index=True)
    consumer_id: Mapped[str] = mapped_column(String(64), index=True)
    consumer_name: Mapped[str] = mapped_column(String(200), default="")
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(Integer)
    service_fee: Mapped[int] = mapped_column(Integer, default=0)
    pickup_code: Mapped[str] = mapped_column(String(12))
    # reserved -> picked_up | delivered | cancelled | no_show
    status: Mapped[str] = mapped_column(String(12), default="reserved", index=True)
    payment_provider: Mapped[str] = mapped_column(String(20), default="")
    payment_ref: Mapped[str] = mapped_column(String(64), default="")
    # authorised -> captured | voided | refunded
    payment_status: Mapped[str] = mapped_column(String(12), default="")
    pickup_start: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    pickup_end: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # Supplier mode: {"dropoff", "contact", "provider", "status", "delivery_id", "fee"}
    delivery: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    delivery_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    # The courier is booked after the reservation commits (reservations/jobs.py): attempts made so
    # far, and when the next one is due (None once booked, or given up after the last attempt).
    delivery_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    delivery_retry_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True, index=True)
    cancelled_by: Mapped[str] = mapped_column(String(10), default="")
    rating: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rating_comment: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
