"""Customer look-ups."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from smartdist.pagination import Page, paginate
from smartdist_wms.customers.models import Customer
from smartdist_wms.customers.schemas import CustomerOut


def by_code(session: Session, code: str) -> Customer | None:
    return session.scalar(select(Customer).where(Customer.code == code))


def codes_taken(session: Session, codes: Iterable[str]) -> set[str]:
    wanted = set(codes)
    if not wanted:
        return set()
    return set(session.scalars(select(Customer.code).where(Customer.code.in_(wanted))))


def page(session: Session, *, q: str | None, limit: int, cursor: str | None) -> Page[CustomerOut]:
    stmt = select(Customer)
    if q:
        stmt = stmt.where(or_(Customer.code.startswith(q, autoescape=True), Customer.name.contains(q, autoescape=True)))
    return paginate(session, stmt, Customer.id, limit=limit, cursor=cursor, serialize=CustomerOut.model_validate)
