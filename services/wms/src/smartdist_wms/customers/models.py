"""The customer master."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smartdist.db import TenantScoped, UtcDateTime, utcnow
from smartdist_wms.db import Base, IdColumn


class Customer(TenantScoped, Base):
    __tablename__ = "customer"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    id: Mapped[int] = mapped_column(IdColumn, primary_key=True)
    code: Mapped[str] = mapped_column(String(60))  # as written on outbound orders' customer
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(30), nullable=True)
    address: Mapped[str | None] = mapped_column(String(500), nullable=True)
    channel: Mapped[str | None] = mapped_column(String(60), nullable=True)  # sales channel (shop, marketplace ...)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
