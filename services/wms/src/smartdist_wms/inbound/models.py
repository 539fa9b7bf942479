"""Inbound orders, their lines, and what was received of each lot waiting for putaway."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartdist.db import TenantScoped, UtcDateTime, utcnow
from smartdist_wms.db import Base, IdColumn
from smartdist_wms.products.models import Product


class InboundOrder(TenantScoped, Base):
    __tablename__ = "inbound_order"

    id: Mapped[int] = mapped_column(IdColumn, primary_key=True)
    ref: Mapped[str] = mapped_column(String(60), index=True)
    supplier: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # draft | created | receiving | putaway | completed | cancelled
    status: Mapped[str] = mapped_column(String(12), default="created", index=True)
    # Who asked for it when another service did (e.g. forecast's replenishment suggestion).
    source: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    receiving_started_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    received_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    putaway_started_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)

    lines: Mapped[list[InboundLine]] = relationship(
        back_populates="order", order_by="InboundLine.id", lazy="selectin", cascade="all, delete-orphan"
    )

    @property
    def no(self) -> str:
        return f"IN-{self.id:06d}"


class InboundLine(TenantScoped, Base):
    __tablename__ = "inbound_line"
    __table_args__ = (CheckConstraint("damaged <= received", name="damaged_within_received"),)

    id: Mapped[int] = mapped_column(IdColumn, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("inbound_order.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    qty: Mapped[int] = mapped_column(Integer)  # announced
    lot: Mapped[str | None] = mapped_column(String(60), nullable=True)
    expiry: Mapped[str | None] = mapped_column(String(10), nullable=True)
    received: Mapped[int] = mapped_column(Integer, default=0)  # counted, damaged included
    damaged: Mapped[int] = mapped_column(Integer, default=0)
    put_away: Mapped[int] = mapped_column(Integer, default=0)

    order: Mapped[InboundOrder] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship(lazy="joined", innerjoin=True)
    lots: Mapped[list[ReceivedLot]] = relationship(order_by="ReceivedLot.id", lazy="selectin")


class ReceivedLot(TenantScoped, Base):
    """Sound units of one lot received on a line, waiting at the dock until put away."""

    __tablename__ = "received_lot"
    __table_args__ = (CheckConstraint("put_away <= sound", name="put_away_within_sound"),)

    id: Mapped[int] = mapped_column(IdColumn, primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("inbound_line.id"), index=True)
    lot: Mapped[str] = mapped_column(String(60), default="")
    expiry: Mapped[str] = mapped_column(String(10), default="")
    sound: Mapped[int] = mapped_column(Integer, default=0)
    damaged: Mapped[int] = mapped_column(Integer, default=0)
    put_away: Mapped[int] = mapped_column(Integer, default=0)
    # 3-step receiving: sound units released by inspection (QC); only these may be put away.
    inspected: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class Supplier(TenantScoped, Base):
    """A supplier and the receiving rules the merchant agreed with them."""

    __tablename__ = "supplier"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    id: Mapped[int] = mapped_column(IdColumn, primary_key=True)
    code: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    # Receiving more than announced is accepted up to this share of the announced quantity.
    over_receipt_pct: Mapped[int] = mapped_column(Integer, default=0)
    # close: a short delivery closes the line; backorder: the order waits for the rest.
    short_receipt: Mapped[str] = mapped_column(String(10), default="close")
