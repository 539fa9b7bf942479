"""Count task lists."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartdist.pagination import Page, paginate
from smartdist_wms.counts.models import CountTask

T = TypeVar("T")


def page(
    session: Session, *, status: str | None, limit: int, cursor: str | None, serialize: Callable[[CountTask], T]
) -> Page[T]:
    stmt = select(CountTask)
    if status is not None:
        stmt = stmt.where(CountTask.status == status)
    return paginate(session, stmt, CountTask.id, limit=limit, cursor=cursor, serialize=serialize, descending=True)
