"""The geocoding cache: one row per (provider, normalised address) a tenant has had located."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smartdist.db import TenantScoped, UtcDateTime, new_id, utcnow
from smartdist_delivery_broker.db import Base


class GeocodedAddressRow(TenantScoped, Base):
    __tablename__ = "geocoded_address"
    __table_args__ = (UniqueConstraint("tenant_id", "provider", "address_key", name="uq_geocoded_address_key"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    provider: Mapped[str] = mapped_column(String(20))
    address_key: Mapped[str] = mapped_column(String(500))  # smartdist.geocoding.normalise_address
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    address: Mapped[str] = mapped_column(String(500))  # the provider's own text of the address
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
