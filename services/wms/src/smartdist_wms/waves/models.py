"""A pick wave and the orders it releases, each with its tote (put-to-order slot)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartdist.db import TenantScoped, UtcDateTime, utcnow
from smartdist_wms.db import Base, IdColumn


class PickWave(TenantScoped, Base):
    __tablename__ = "pick_wave"

    id: Mapped[int] = mapped_column(IdColumn, primary_key=True)
    # order: one walk per order | batch: one walk for all, split into totes | zone: one list per zone
    strategy: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(10), default="released", index=True)  # released | completed
    released_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    orders: Mapped[list[PickWaveOrder]] = relationship(
        back_populates="wave", order_by="PickWaveOrder.tote", lazy="selectin", cascade="all, delete-orphan"
    )

    @property
    def no(self) -> str:
        return f"WAVE-{self.id:06d}"


class PickWaveOrder(TenantScoped, Base):
    __tablename__ = "pick_wave_order"
    __table_args__ = (UniqueConstraint("tenant_id", "wave_id", "order_id"),)

    id: Mapped[int] = mapped_column(IdColumn, primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("pick_wave.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("outbound_order.id"), index=True)
    # The tote (or cart slot) this order's units are put into: 1, 2, 3 ... in release order.
    tote: Mapped[int] = mapped_column(Integer)
    wave: Mapped[PickWave] = relationship(back_populates="orders")
