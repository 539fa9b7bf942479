"""The geocoding cache: one row per (provider, normalised address) a tenant has had located."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smartdist.db import TenantScoped, UtcDateTime, utcnow
from smartdist_dispatch.db import Base
from smartdist_dispatch.fleet.models import IdColumn


class GeocodedAddress(TenantScoped, Base):
    __tablename__ = "geocoded_address"
    __table_args__ = (UniqueConstraint("tenant_id", "provider", "address_key"),)

    id: Mapped[int] = mapped_column(IdColumn, primary_key=True)
    provider: Mapped[str] = mapped_column(String(20))
    address_key: Mapped[str] = mapped_column(String(400))  # smartdist.geocoding.normalise_address
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    address: Mapped[str] = mapped_column(String(400))  # the provider's normalised address
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
