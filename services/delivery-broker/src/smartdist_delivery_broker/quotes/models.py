"""Quote sets in the database, so a booking finds its quote on any worker and after a restart."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from smartdist.db import TenantScoped, UtcDateTime
from smartdist_delivery_broker.db import Base


class QuoteSetRow(TenantScoped, Base):
    __tablename__ = "quote_set"
    __table_args__ = (Index("ix_quote_set_tenant_created", "tenant_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    distance_m: Mapped[int] = mapped_column(Integer)
    cod_amount: Mapped[int] = mapped_column(Integer)
    recommended: Mapped[str | None] = mapped_column(String(40), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # The earliest expiry among available quotes; None when nothing was bookable.
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # What was quoted (pickup, dropoff, scheduled_at), so a booking sends the same trip.
    trip: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Every provider's quote with its id, expiry and the platform's own quote references.
    quotes: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # The one delivery booked on this set (a quote is booked once), and when.
    booked_order_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    booked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
