"""What visitors did in a published store: page views, scene views, hotspot clicks, and visits
(one per visitor, store and day, however often they reload)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smartdist.db import TenantScoped, UtcDateTime, utcnow
from smartdist_virtual_store.db import Base

IdColumn = BigInteger().with_variant(Integer(), "sqlite")


class StoreVisit(TenantScoped, Base):
    __tablename__ = "store_visit"
    __table_args__ = (UniqueConstraint("tenant_id", "store_id", "visitor_id", "day"),)

    id: Mapped[int] = mapped_column(IdColumn, primary_key=True)
    store_id: Mapped[str] = mapped_column(String(32), index=True)
    visitor_id: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)  # Asia/Taipei calendar day
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class ViewEvent(TenantScoped, Base):
    __tablename__ = "view_event"

    id: Mapped[int] = mapped_column(IdColumn, primary_key=True)
    store_id: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # view | scene | click
    scene_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    hotspot_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    visitor_id: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
