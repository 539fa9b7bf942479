"""Inbound order and supplier lists."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartdist.pagination import Page, paginate
from smartdist_wms.inbound.models import InboundOrder, Supplier
from smartdist_wms.inbound.schemas import SupplierOut

T = TypeVar("T")


def page(
    session: Session,
    *,
    status: str | None,
    ref: str | None,
    limit: int,
    cursor: str | None,
    serialize: Callable[[InboundOrder], T],
) -> Page[T]:
    stmt = select(InboundOrder)
    if status is not None:
        stmt = stmt.where(InboundOrder.status == status)
    if ref is not None:
        stmt = stmt.where(InboundOrder.ref == ref)
    return paginate(session, stmt, InboundOrder.id, limit=limit, cursor=cursor, serialize=serialize, descending=True)


def suppliers(session: Session, *, limit: int, cursor: str | None) -> Page[SupplierOut]:
    return paginate(
        session, select(Supplier), Supplier.id, limit=limit, cursor=cursor, serialize=SupplierOut.model_validate
    )
