"""Stock by product, location, lot and expiry, and the ledger of every change to it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartdist.db import TenantScoped, UtcDateTime, utcnow
from smartdist_wms.db import Base, IdColumn
from smartdist_wms.locations.models import Location
from smartdist_wms.products.models import Product


class StockItem(TenantScoped, Base):
    """One product's units of one lot (and expiry) in one location.

    ``lot`` and ``expiry`` are "" when untracked, so the unique key has no NULLs in it (NULLs are
    never equal, and two rows of the same untracked stock would slip past the constraint).
    ``expiry`` is ``YYYY-MM-DD``: text in that form sorts like the date.
    The checks make the database itself refuse negative or over-allocated stock.
    """

    __tablename__ = "stock_item"
    __table_args__ = (
        UniqueConstraint("tenant_id", "product_id", "location_id", "lot", "expiry"),
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("allocated >= 0 AND allocated <= on_hand", name="allocated_within_on_hand"),
    )

    id: Mapped[int] = mapped_column(IdColumn, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"), index=True)
    lot: Mapped[str] = mapped_column(String(60), default="")
    expiry: Mapped[str] = mapped_column(String(10), default="")
    on_hand: Mapped[int] = mapped_column(Integer, default=0)
    allocated: Mapped[int] = mapped_column(Integer, default=0)
    # First arrival of these units here: FIFO among equal expiries takes the oldest first.
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    product: Mapped[Product] = relationship(lazy="joined", innerjoin=True)
    location: Mapped[Location] = relationship(lazy="joined", innerjoin=True)


class Movement(TenantScoped, Base):
    """One change of a stock item's on-hand or allocated units, written with the change itself."""

    __tablename__ = "stock_movement"

    id: Mapped[int] = mapped_column(IdColumn, primary_key=True)
    stock_item_id: Mapped[int] = mapped_column(ForeignKey("stock_item.id"), index=True)
    d_on_hand: Mapped[int] = mapped_column(Integer, default=0)
    d_allocated: Mapped[int] = mapped_column(Integer, default=0)
    # receive, putaway, adjust, move_out, move_in, allocate, release, short_pick, ship, restock, count
    reason: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(200), default="")
    doc_type: Mapped[str] = mapped_column(String(20), default="")
    doc_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    by: Mapped[str] = mapped_column(String(100), default="")
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)


class NearExpiryNotice(TenantScoped, Base):
    """A stock item already announced as near expiry: each lot is announced once."""

    __tablename__ = "near_expiry_notice"
    __table_args__ = (UniqueConstraint("tenant_id", "stock_item_id"),)

    id: Mapped[int] = mapped_column(IdColumn, primary_key=True)
    stock_item_id: Mapped[int] = mapped_column(ForeignKey("stock_item.id"))
    announced_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
