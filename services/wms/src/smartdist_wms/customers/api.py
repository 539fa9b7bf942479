"""/api/v1/customers: the customer master."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status

from smartdist.pagination import Cursor, Limit, Page
from smartdist.problems import problem_responses
from smartdist.web.deps import DbSession, IdempotencyDep
from smartdist_wms.customers import repository, service
from smartdist_wms.customers.schemas import CustomerIn, CustomerOut
from smartdist_wms.products.schemas import NO_NUL
from smartdist_wms.staff.roles import Reader, Writer

router = APIRouter(tags=["customers"])


@router.post("/customers", status_code=status.HTTP_201_CREATED, response_model=CustomerOut)
def post_customer(body: CustomerIn, session: DbSession, principal: Writer, idem: IdempotencyDep) -> Any:
    """Create a customer; a code the tenant already has is 409."""
    if idem.replay is not None:
        return idem.replay
    return idem.save(201, CustomerOut.model_validate(service.create_customer(session, body)))


@router.get("/customers", response_model=Page[CustomerOut])
def list_customers(
    session: DbSession,
    principal: Reader,
    q: Annotated[str | None, Query(min_length=1, max_length=60, pattern=NO_NUL)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[CustomerOut]:
    """Customers, optionally by code prefix or part of the name."""
    return repository.page(session, q=q, limit=limit, cursor=cursor)


@router.get("/customers/{code}", response_model=CustomerOut, responses=problem_responses(404))
def get_customer(
    code: Annotated[str, Path(min_length=1, max_length=60, pattern=NO_NUL)], session: DbSession, principal: Reader
) -> CustomerOut:
    """One customer."""
    return CustomerOut.model_validate(service.customer_by_code(session, code))
