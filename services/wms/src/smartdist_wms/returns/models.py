"""Return notices and their lines."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartdist.db import TenantScoped, UtcDateTime, utcnow
from smartdist_wms.db import Base, IdColumn
from smartdist_wms.products.models import Product


class ReturnOrder(TenantScoped, Base):
    __tablename__ = "return_order"

    id: Mapped[int] = mapped_column(IdColumn, primary_key=True)
    ref: Mapped[str] = mapped_column(String(60), index=True)
    customer: Mapped[str | None] = mapped_column(String(200), nullable=True)
    outbound_order_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # created | inspected | completed | cancelled
    status: Mapped[str] = mapped_column(String(12), default="created", index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    inspected_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)

    lines: Mapped[list[ReturnLine]] = relationship(
        back_populates="order", order_by="ReturnLine.id", lazy="selectin", cascade="all, delete-orphan"
    )

    @property
    def no(self) -> str:
        return f"RET-{self.id:06d}"


class ReturnLine(TenantScoped, Base):
    __tablename__ = "return_line"
    __table_args__ = (
        CheckConstraint("restock + damaged + scrap <= qty", name="inspected_within_qty"),
        CheckConstraint("restocked <= restock", name="restocked_within_restock"),
    )

    id: Mapped[int] = mapped_column(IdColumn, primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("return_order.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    qty: Mapped[int] = mapped_column(Integer)
    lot: Mapped[str] = mapped_column(String(60), default="")
    expiry: Mapped[str] = mapped_column(String(10), default="")
    restock: Mapped[int] = mapped_column(Integer, default=0)  # sound: back into stock
    damaged: Mapped[int] = mapped_column(Integer, default=0)  # kept apart, not sellable
    scrap: Mapped[int] = mapped_column(Integer, default=0)  # thrown away
    restocked: Mapped[int] = mapped_column(Integer, default=0)

    order: Mapped[ReturnOrder] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship(lazy="joined", innerjoin=True)
