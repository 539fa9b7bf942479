"""The warehouse's locations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smartdist.db import TenantScoped, UtcDateTime, utcnow
from smartdist_wms.db import Base, IdColumn


class Location(TenantScoped, Base):
    __tablename__ = "location"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    id: Mapped[int] = mapped_column(IdColumn, primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    zone: Mapped[str | None] = mapped_column(String(40), nullable=True)
    kind: Mapped[str] = mapped_column(String(20), default="bin")  # bin | pallet | floor | dock | returns ...
    status: Mapped[str] = mapped_column(String(10), default="active")  # active | blocked | counting
    # Most units the location holds (None: no limit); putaway suggestions respect it.
    capacity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Position on the picker's walking path: pick lists visit locations in this order.
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    # Putaway by category sends a category's goods to zones that list it.
    category: Mapped[str | None] = mapped_column(String(60), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
