"""Outbound order lists."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartdist.pagination import Page, paginate
from smartdist_wms.outbound.models import OutboundOrder

T = TypeVar("T")


def page(
    session: Session,
    *,
    status: str | None,
    ref: str | None,
    limit: int,
    cursor: str | None,
    serialize: Callable[[OutboundOrder], T],
) -> Page[T]:
    stmt = select(OutboundOrder)
    if status is not None:
        stmt = stmt.where(OutboundOrder.status == status)
    if ref is not None:
        stmt = stmt.where(OutboundOrder.ref == ref)
    return paginate(session, stmt, OutboundOrder.id, limit=limit, cursor=cursor, serialize=serialize, descending=True)
