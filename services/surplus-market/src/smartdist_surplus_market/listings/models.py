"""The listing table: what a seller offers, how its price falls, where and until when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smartdist.db import TenantScoped, UtcDateTime, new_id, utcnow
from smartdist_surplus_market.db import Base


class Listing(TenantScoped, Base):
    __tablename__ = "listing"
    __table_args__ = (
        UniqueConstraint("tenant_id", "source_key"),
        # The nearby search reads only this index: cell ranges, then live rows by the columns
        # after it, their place and id (a covering index on SQLite, index-only scans on PostgreSQL).
        Index("ix_listing_nearby", "cell", "best_before", "status", "quantity", "lat", "lng", "id"),
        # The staff's lists by status. No index on status alone: the planner would take it for
        # the nearby search, where nearly every row is published.
        Index("ix_listing_tenant_status", "tenant_id", "status"),
    )

    # Globally unique (a consumer's reservation names a listing of any merchant).
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    title: Mapped[str] = mapped_column(String(200))
    mode: Mapped[str] = mapped_column(String(10), default="store")  # store | supplier
    category: Mapped[str] = mapped_column(String(40), default="")
    unit: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(String(2000), default="")
    # What is left to reserve; the reservation decrements it with one conditional UPDATE.
    quantity: Mapped[int] = mapped_column(Integer)
    initial_quantity: Mapped[int] = mapped_column(Integer)
    list_price: Mapped[int | None] = mapped_column(Integer, nullable=True)
    floor_price: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # [{"hours_before": h, "percent_off": p}, ...] as the seller wrote them.
    markdown: Mapped[list[Any]] = mapped_column(JSON, default=list)
    best_before: Mapped[datetime] = mapped_column(UtcDateTime())
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lng: Mapped[float | None] = mapped_column(Float, nullable=True)
    cell: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    address: Mapped[str] = mapped_column(String(400), default="")
    pickup_start: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    pickup_end: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    weight_kg: Mapped[float] = mapped_column(Float, default=0.0)  # per unit, for the impact report
    surprise_bag: Mapped[bool] = mapped_column(default=False)
    bag_value: Mapped[int | None] = mapped_column(Integer, nullable=True)  # a surprise bag's worth, TWD
    status: Mapped[str] = mapped_column(String(12), default="published")  # draft|published|withdrawn
    source: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    source_key: Mapped[str | None] = mapped_column(String(300), nullable=True)
    photo_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class ListingPhoto(TenantScoped, Base):
    """A re-encoded photo (never the uploaded bytes) and its thumbnail."""

    __tablename__ = "listing_photo"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    listing_id: Mapped[str] = mapped_column(String(32), index=True)
    image: Mapped[bytes] = mapped_column(LargeBinary)
    thumbnail: Mapped[bytes] = mapped_column(LargeBinary)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
