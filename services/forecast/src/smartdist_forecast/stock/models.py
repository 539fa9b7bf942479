"""The WMS's latest on-hand counts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smartdist.db import TenantScoped, UtcDateTime, utcnow
from smartdist_forecast.db import Base, RowId


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
