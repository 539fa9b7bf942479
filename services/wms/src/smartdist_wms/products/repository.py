"""Product look-ups."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session, selectinload

from smartdist.pagination import Page, paginate
from smartdist_wms.products.models import Product, ProductBarcode
from smartdist_wms.products.schemas import ProductOut


def by_sku(session: Session, sku: str) -> Product | None:
    return session.scalar(select(Product).where(Product.sku == sku))


def by_skus(session: Session, skus: Iterable[str]) -> dict[str, Product]:
    wanted = set(skus)
    if not wanted:
        return {}
    return {p.sku: p for p in session.scalars(select(Product).where(Product.sku.in_(wanted)))}


def by_id(session: Session, product_ids: Iterable[int]) -> dict[int, Product]:
    wanted = set(product_ids)
    if not wanted:
        return {}
    return {p.id: p for p in session.scalars(select(Product).where(Product.id.in_(wanted)))}


def names_code(code: Any) -> ColumnElement[bool]:
    """The product's SKU, unit barcode, carton barcode or one of its more barcodes is ``code``."""
    return or_(
        Product.sku == code,
        Product.barcode == code,
        Product.pack_barcode == code,
        Product.id.in_(select(ProductBarcode.product_id).where(ProductBarcode.code == code)),
    )


def barcodes_taken(session: Session, codes: Sequence[str]) -> list[str]:
    """Which of these codes already name a product (as a SKU, barcode or more barcode)."""
    if not codes:
        return []
    stmt = select(Product.sku, Product.barcode, Product.pack_barcode).where(
        or_(Product.sku.in_(codes), Product.barcode.in_(codes), Product.pack_barcode.in_(codes))
    )
    used = {value for row in session.execute(stmt) for value in row if value is not None}
    used |= set(session.scalars(select(ProductBarcode.code).where(ProductBarcode.code.in_(codes))))
    return [c for c in codes if c in used]


def by_scan(session: Session, code: str) -> tuple[Product, int] | None:
    """The product a scanned code names and how many units one scan counts (a carton counts its pack)."""
    product = session.scalar(select(Product).where(names_code(code)).limit(1))
    if product is None:
        return None
    return product, (product.pack_size if product.pack_barcode == code and product.barcode != code else 1)


def by_gtin(session: Session, gtin: str) -> Product | None:
    """The product whose unit or carton barcode is this GTIN-14 (EAN-13 codes are stored without the 0)."""
    candidates = {gtin, gtin.lstrip("0")} | {gtin[i:] for i in (1, 2, 6) if len(gtin) == 14}
    return session.scalar(
        select(Product)
        .where(
            or_(
                Product.barcode.in_(candidates),
                Product.pack_barcode.in_(candidates),
                Product.id.in_(select(ProductBarcode.product_id).where(ProductBarcode.code.in_(candidates))),
            )
        )
        .limit(1)
    )


def page(session: Session, *, q: str | None, limit: int, cursor: str | None) -> Page[ProductOut]:
    stmt = select(Product).options(selectinload(Product.extra_barcodes))
    if q:
        stmt = stmt.where(or_(Product.sku.startswith(q, autoescape=True), Product.name.contains(q, autoescape=True)))
    return paginate(session, stmt, Product.id, limit=limit, cursor=cursor, serialize=ProductOut.model_validate)
