"""/api/v1/products: the product master."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status

from smartdist.pagination import Cursor, Limit, Page
from smartdist.problems import NotFound, problem_responses
from smartdist.web.deps import DbSession, IdempotencyDep
from smartdist_wms.products import repository
from smartdist_wms.products.schemas import NO_NUL, ProductIn, ProductOut
from smartdist_wms.products.service import create_product
from smartdist_wms.staff.roles import Reader, Writer

router = APIRouter(tags=["products"])


@router.post(
    "/products", status_code=status.HTTP_201_CREATED, response_model=ProductOut, responses=problem_responses(409, 422)
)
def post_product(body: ProductIn, session: DbSession, principal: Writer, idem: IdempotencyDep) -> Any:
    """Create a product (a SKU the tenant already has is 409)."""
    if idem.replay is not None:
        return idem.replay
    return idem.save(201, ProductOut.model_validate(create_product(session, body)))


@router.get("/products", response_model=Page[ProductOut])
def list_products(
    session: DbSession,
    principal: Reader,
    q: Annotated[
        str | None, Query(max_length=60, pattern=NO_NUL, description="SKU prefix or part of the name.")
    ] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ProductOut]:
    """The tenant's products, oldest first."""
    return repository.page(session, q=q, limit=limit, cursor=cursor)


@router.get("/products/{sku}", response_model=ProductOut, responses=problem_responses(404))
def get_product(
    sku: Annotated[str, Path(max_length=60, pattern=NO_NUL)], session: DbSession, principal: Reader
) -> ProductOut:
    """One product by SKU."""
    product = repository.by_sku(session, sku)
    if product is None:
        raise NotFound(f"No product {sku!r}.")
    return ProductOut.model_validate(product)
