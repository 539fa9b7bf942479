"""Consumers' favourite sellers, and the in-app notifications a new listing sends them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smartdist.db import TenantScoped, UtcDateTime, new_id, utcnow
from smartdist_surplus_market.db import Base


class Favourite(TenantScoped, Base):
    """``tenant_id`` is the favoured seller: the seller's own data, read across tenants by the consumer."""

    __tablename__ = "favourite"
    __table_args__ = (UniqueConstraint("tenant_id", "consumer_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    consumer_id: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class Notification(TenantScoped, Base):
    __tablename__ = "notification"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    consumer_id: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # listing_published
    listing_id: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(String(400))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
