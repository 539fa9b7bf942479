"""Product use cases."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smartdist_wms.products import repository
from smartdist_wms.products.domain import DuplicateSku, UnknownSku
from smartdist_wms.products.models import Product
from smartdist_wms.products.schemas import ProductIn


def create_product(session: Session, body: ProductIn) -> Product:
    if repository.by_sku(session, body.sku) is not None:
        raise DuplicateSku(f"sku {body.sku!r} already exists")
    product = Product(**body.model_dump())
    try:
        with session.begin_nested():
            session.add(product)
            session.flush()
    except IntegrityError:
        # Two clerks created the same SKU at the same moment: the second is the duplicate.
        raise DuplicateSku(f"sku {body.sku!r} already exists") from None
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
