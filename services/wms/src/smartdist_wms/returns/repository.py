"""Return lists."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartdist.pagination import Page, paginate
from smartdist_wms.returns.models import ReturnOrder

T = TypeVar("T")


def page(
    session: Session, *, status: str | None, limit: int, cursor: str | None, serialize: Callable[[ReturnOrder], T]
) -> Page[T]:
    stmt = select(ReturnOrder)
    if status is not None:
        stmt = stmt.where(ReturnOrder.status == status)
    return paginate(session, stmt, ReturnOrder.id, limit=limit, cursor=cursor, serialize=serialize, descending=True)
