"""Outbound orders, their lines and the stock each line is allocated."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartdist.db import TenantScoped, UtcDateTime, utcnow
from smartdist_wms.db import Base, IdColumn
from smartdist_wms.products.models import Product
from smartdist_wms.stock.models import StockItem


class OutboundOrder(TenantScoped, Base):
    __tablename__ = "outbound_order"

    id: Mapped[int] = mapped_column(IdColumn, primary_key=True)
    ref: Mapped[str] = mapped_column(String(60), index=True)
    customer: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # created | allocated | picking | picked | packed | shipped | cancelled
    status: Mapped[str] = mapped_column(String(12), default="created", index=True)
    carrier: Mapped[str | None] = mapped_column(String(60), nullable=True)
    tracking_no: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    allocated_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    picking_started_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    picked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    packed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    shipped_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)

    lines: Mapped[list[OutboundLine]] = relationship(
        back_populates="order", order_by="OutboundLine.id", lazy="selectin", cascade="all, delete-orphan"
    )

    @property
    def no(self) -> str:
        return f"OUT-{self.id:06d}"


class OutboundLine(TenantScoped, Base):
    __tablename__ = "outbound_line"
    __table_args__ = (
        CheckConstraint("picked <= allocated", name="picked_within_allocated"),
        CheckConstraint("packed <= picked", name="packed_within_picked"),
    )

    id: Mapped[int] = mapped_column(IdColumn, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("outbound_order.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    qty: Mapped[int] = mapped_column(Integer)
    allocated: Mapped[int] = mapped_column(Integer, default=0)
    picked: Mapped[int] = mapped_column(Integer, default=0)
    # Units found missing at picking (their allocation was released): 0 unless a short pick happened.
    picked_short: Mapped[int] = mapped_column(Integer, default=0)
    packed: Mapped[int] = mapped_column(Integer, default=0)

    order: Mapped[OutboundOrder] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship(lazy="joined", innerjoin=True)


class Allocation(TenantScoped, Base):
    """Units of one stock item promised to one order line; ``picked`` of them are in the tote."""

    __tablename__ = "allocation"
    __table_args__ = (CheckConstraint("picked >= 0 AND picked <= qty", name="picked_within_qty"),)

    id: Mapped[int] = mapped_column(IdColumn, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("outbound_order.id"), index=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("outbound_line.id"), index=True)
    stock_item_id: Mapped[int] = mapped_column(ForeignKey("stock_item.id"), index=True)
    qty: Mapped[int] = mapped_column(Integer)
    picked: Mapped[int] = mapped_column(Integer, default=0)
    # open while the stock row holds these units as allocated; shipped / released after.
    state: Mapped[str] = mapped_column(String(10), default="open", index=True)

    stock_item: Mapped[StockItem] = relationship(lazy="joined", innerjoin=True)
