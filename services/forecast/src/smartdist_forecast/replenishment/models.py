"""Per-SKU facts the inventory simulation's waste count needs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smartdist.db import TenantScoped, UtcDateTime, utcnow
from smartdist_forecast.db import Base, RowId


class ProductProfile(TenantScoped, Base):
    """Per-SKU facts the waste count needs: shelf life (days) and the weight of one unit (kg)."""

    __tablename__ = "product_profile"
    __table_args__ = (UniqueConstraint("tenant_id", "sku"),)

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    sku: Mapped[str] = mapped_column(String(60))
    shelf_life_days: Mapped[int] = mapped_column(Integer)
    unit_kg: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
