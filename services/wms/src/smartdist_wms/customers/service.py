"""Customer use cases."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smartdist.problems import Conflict, NotFound
from smartdist_wms.customers import repository
from smartdist_wms.customers.models import Customer
from smartdist_wms.customers.schemas import CustomerIn


class DuplicateCustomer(Conflict):
    title = "Customer already exists"


def create_customer(session: Session, body: CustomerIn) -> Customer:
    if repository.by_code(session, body.code) is not None:
        raise DuplicateCustomer(f"customer {body.code!r} already exists")
    customer = Customer(**body.model_dump())
    try:
        with session.begin_nested():
            session.add(customer)
            session.flush()
    except IntegrityError:
        raise DuplicateCustomer(f"customer {body.code!r} already exists") from None
    return customer


def customer_by_code(session: Session, code: str) -> Customer:
    customer = repository.by_code(session, code)
    if customer is None:
        raise NotFound(f"No customer {code}.")
    return customer
