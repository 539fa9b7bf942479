"""The product master."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartdist.db import TenantScoped, UtcDateTime, utcnow
from smartdist_wms.db import Base, IdColumn


class Product(TenantScoped, Base):
    __tablename__ = "product"
    __table_args__ = (UniqueConstraint("tenant_id", "sku"),)

    id: Mapped[int] = mapped_column(IdColumn, primary_key=True)
    sku: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    barcode: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    unit: Mapped[str] = mapped_column(String(20), default="pcs")
    tracking: Mapped[str] = mapped_column(String(10), default="none")  # none | lot | expiry
    near_expiry_days: Mapped[int] = mapped_column(Integer, default=3)
    # The outer carton's barcode and how many units it holds: one scan of it counts pack_size.
    pack_barcode: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    pack_size: Mapped[int] = mapped_column(Integer, default=1)
    allocation: Mapped[str] = mapped_column(String(4), default="fefo")  # fefo | fifo
    category: Mapped[str | None] = mapped_column(String(60), nullable=True)
    # Putaway goes here first when set (a pick face that always holds this product).
    fixed_location: Mapped[str | None] = mapped_column(String(40), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    # More unit barcodes (another supplier's EAN, an old label): each scans as this product.
    extra_barcodes: Mapped[list[ProductBarcode]] = relationship(
        order_by="ProductBarcode.id", lazy="select", cascade="all, delete-orphan"
    )

    @property
    def barcodes(self) -> list[str]:
        return [b.code for b in self.extra_barcodes]


class ProductBarcode(TenantScoped, Base):
    """One more unit barcode of a product (the tenant's codes are unique: a scan names one product)."""

    __tablename__ = "product_barcode"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    id: Mapped[int] = mapped_column(IdColumn, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
