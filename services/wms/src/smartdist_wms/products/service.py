"""Product use cases."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smartdist_wms.barcodes.gs1 import GS1Error, looks_like_gs1, parse_gs1
from smartdist_wms.products import repository
from smartdist_wms.products.domain import BadScan, DuplicateBarcode, DuplicateSku, UnknownSku
from smartdist_wms.products.models import Product, ProductBarcode
from smartdist_wms.products.schemas import ProductIn


def create_product(session: Session, body: ProductIn) -> Product:
    if repository.by_sku(session, body.sku) is not None:
        raise DuplicateSku(f"sku {body.sku!r} already exists")
    codes = list(dict.fromkeys(body.barcodes))
    taken = repository.barcodes_taken(session, codes)
    if taken:
        raise DuplicateBarcode(
            f"barcode {taken[0]!r} already names another product",
            code="wms.product.barcode_taken",
            params={"barcode": taken[0]},
            errors=[
                {"loc": ["body", "barcodes", codes.index(c)], "code": "wms.product.barcode_taken"}
                | {"params": {"barcode": c}, "message": f"{c} already names a product"}
                for c in taken
            ],
        )
    product = Product(**body.model_dump(exclude={"barcodes"}))
    product.extra_barcodes = [ProductBarcode(code=c) for c in codes]
    try:
        with session.begin_nested():
            session.add(product)
            session.flush()
    except IntegrityError:
        # Two clerks created the same SKU (or barcode) at the same moment: the second is the duplicate.
        raise DuplicateSku(f"sku {body.sku!r} or one of its barcodes already exists") from None
    return product


def product_by_sku(session: Session, sku: str, loc: Sequence[str | int] = ("body", "sku")) -> Product:
    product = repository.by_sku(session, sku)
    if product is None:
        raise UnknownSku(sku, loc)
    return product


def products_for_lines(session: Session, skus: Sequence[str]) -> dict[str, Product]:
    """Every line's product, or one 422 naming every unknown SKU with its line."""
    found = repository.by_skus(session, skus)
    errors = [
        {"loc": ["body", "lines", i, "sku"], "message": f"unknown sku {sku!r}"}
        for i, sku in enumerate(skus)
        if sku not in found
    ]
    if errors:
        raise UnknownSku(next(s for s in skus if s not in found), errors=errors)
    return found


@dataclass(frozen=True)
class ScannedProduct:
    product: Product
    units: int  # a carton barcode counts its pack size
    lot: str | None = None
    expiry: date | None = None


def resolve_scan(session: Session, code: str, loc: Sequence[str | int] = ("body", "sku")) -> ScannedProduct:
    """The product a scan names: SKU, unit or carton barcode, or a GS1 string with lot and dates.

    A GS1 scan that does not parse is a 422 saying why, so the clerk knows to rescan.
    """
    found = repository.by_scan(session, code)
    if found is not None:
        return ScannedProduct(found[0], found[1])
    if looks_like_gs1(code):
        try:
            data = parse_gs1(code, date.today())
        except GS1Error as exc:
            raise BadScan(
                f"scan {code!r} is not a readable GS1 code: {exc}", errors=[{"loc": list(loc), "message": str(exc)}]
            ) from None
        if data.gtin is not None:
            product = repository.by_gtin(session, data.gtin)
            if product is not None:
                return ScannedProduct(product, data.count or 1, data.lot, data.use_by)
        raise UnknownSku(data.gtin or code, loc)
    raise UnknownSku(code, loc)
