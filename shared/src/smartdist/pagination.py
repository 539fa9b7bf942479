"""Cursor pagination: ``?limit=&cursor=`` -> ``{"items": [...], "next_cursor": ...}``."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute, Session

from smartdist.problems import Unprocessable

T = TypeVar("T")
MAX_LIMIT = 500

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Items per page, 1-{MAX_LIMIT}.")]
Cursor = Annotated[
    str | None, Query(pattern=r"^[A-Za-z0-9_-]{1,512}$", description="next_cursor of the previous page.")
]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def encode_cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps([value]).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> Any:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return json.loads(base64.urlsafe_b64decode(padded))[0]
    except (ValueError, IndexError, TypeError):
        raise Unprocessable(
            "cursor is not one this API gave out",
            code="pagination.cursor",
            errors=[{"loc": ["query", "cursor"], "code": "pagination.cursor", "message": "invalid cursor"}],
        ) from None


def paginate(
    session: Session,
    stmt: Select[Any],
    key: InstrumentedAttribute[Any],
    *,
    limit: int,
    cursor: str | None,
    serialize: Callable[[Any], T],
    descending: bool = False,
) -> Page[T]:
    """Keyset pagination on a unique, sortable column (stable under concurrent inserts)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise Unprocessable(
            f"limit must be between 1 and {MAX_LIMIT}",
            code="pagination.limit",
            params={"max": MAX_LIMIT},
            errors=[
                {
                    "loc": ["query", "limit"],
                    "code": "pagination.limit",
                    "params": {"max": MAX_LIMIT},
                    "message": f"1..{MAX_LIMIT}",
                }
            ],
        )
    if cursor:
        last = decode_cursor(cursor)
        stmt = stmt.where(key < last if descending else key > last)
    stmt = stmt.order_by(key.desc() if descending else key.asc()).limit(limit + 1)
    rows: Sequence[Any] = session.scalars(stmt).all()
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(getattr(rows[-1], key.key)) if more and rows else None
    return Page(items=[serialize(r) for r in rows], next_cursor=next_cursor)
