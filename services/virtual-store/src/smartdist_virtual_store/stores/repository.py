"""Store, scene and hotspot look-ups."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from smartdist_virtual_store.stores.models import Hotspot, Scene, Store


def stores() -> Select[Any]:
    return select(Store)


def scenes_of(session: Session, store_id: str) -> list[Scene]:
    return list(session.scalars(select(Scene).where(Scene.store_id == store_id).order_by(Scene.position, Scene.id)))


def scene_count(session: Session, store_id: str) -> int:
    return int(session.scalar(select(func.count()).select_from(Scene).where(Scene.store_id == store_id)) or 0)


def hotspots_of(session: Session, scene_ids: list[str]) -> list[Hotspot]:
    if not scene_ids:
        return []
    return list(session.scalars(select(Hotspot).where(Hotspot.scene_id.in_(scene_ids)).order_by(Hotspot.id)))


def hotspots_leading_to(session: Session, scene_id: str) -> list[Hotspot]:
    return list(session.scalars(select(Hotspot).where(Hotspot.target_scene_id == scene_id)))


def published_store(session: Session, store_id: str) -> Store | None:
    return session.scalar(select(Store).where(Store.id == store_id, Store.published.is_(True)))
