"""Panorama look-ups (the session keeps them to the caller's tenant)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from smartdist_virtual_store.panoramas.models import Panorama


def panoramas(status: str | None = None) -> Select[Any]:
    stmt = select(Panorama)
    if status is not None:
        stmt = stmt.where(Panorama.status == status)
    return stmt


def find_panorama(session: Session, panorama_id: str) -> Panorama | None:
    return session.get(Panorama, panorama_id)
