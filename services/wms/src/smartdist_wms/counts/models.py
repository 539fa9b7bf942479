"""Count tasks and what was counted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartdist.db import TenantScoped, UtcDateTime, utcnow
from smartdist_wms.db import Base, IdColumn
from smartdist_wms.locations.models import Location
from smartdist_wms.products.models import Product


class CountTask(TenantScoped, Base):
    __tablename__ = "count_task"

    id: Mapped[int] = mapped_column(IdColumn, primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"), index=True)
    # open | counted | approved | rejected
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    # The status the location had before counting, restored when the task closes.
    location_status: Mapped[str] = mapped_column(String(10), default="active")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    counted_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    counted_by: Mapped[str] = mapped_column(String(100), default="")
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    closed_by: Mapped[str] = mapped_column(String(100), default="")

    location: Mapped[Location] = relationship(lazy="joined", innerjoin=True)
    lines: Mapped[list[CountLine]] = relationship(
        order_by="CountLine.id", lazy="selectin", cascade="all, delete-orphan"
    )


class CountLine(TenantScoped, Base):
    __tablename__ = "count_line"

    id: Mapped[int] = mapped_column(IdColumn, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("count_task.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    lot: Mapped[str] = mapped_column(String(60), default="")
    expiry: Mapped[str] = mapped_column(String(10), default="")
    counted: Mapped[int] = mapped_column(Integer, default=0)
    expected: Mapped[int] = mapped_column(Integer, default=0)  # on hand when the count was entered

    product: Mapped[Product] = relationship(lazy="joined", innerjoin=True)
