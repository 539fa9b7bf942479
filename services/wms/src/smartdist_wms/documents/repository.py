"""Loading one document of the tenant, plainly or locked for a change of its state."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartdist.problems import NotFound
from smartdist_wms.db import Base

DocumentT = TypeVar("DocumentT", bound=Base)


def get_document(session: Session, model: type[DocumentT], doc_id: int, name: str) -> DocumentT:
    """The document, or 404 naming it ("No inbound order 7.")."""
    document = session.get(model, doc_id)
    if document is None:
        raise NotFound(f"No {name} {doc_id}.")
    return document


def lock_document(session: Session, model: type[DocumentT], doc_id: int, name: str) -> DocumentT:
    """The document locked FOR UPDATE (re-read, so two clerks' steps on it serialise), or 404."""
    stmt = (
        select(model)
        .where(model.id == doc_id)  # type: ignore[attr-defined]
        .with_for_update(of=model)
        .execution_options(populate_existing=True)
    )
    document = session.scalar(stmt)
    if document is None:
        raise NotFound(f"No {name} {doc_id}.")
    return document
