"""/api/v1/public/stores/{id}/visits, /scene-views, /clicks: what the public viewer reports."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from smartdist.web.deps import Runtime
from smartdist_virtual_store.visits import service
from smartdist_virtual_store.visits.schemas import ClickIn, SceneViewIn, Tracked, VisitIn

StoreId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]

router = APIRouter(tags=["visits"])


def _tenant(runtime: Runtime, store_id: str) -> str:
    # Looked up and let go first: on SQLite a second open transaction would wait on this one's lock.
    with runtime.database.system_transaction() as system:
        return service.store_tenant(system, store_id)


@router.post("/public/stores/{store_id}/visits", response_model=Tracked)
def record_visit(store_id: StoreId, body: VisitIn, runtime: Runtime) -> Tracked:
    """The viewer opened (no sign-in): counts a view, and a visit once per visitor and day."""
    with runtime.database.tenant_transaction(_tenant(runtime, store_id)) as session:
        return Tracked(counted=service.record_visit(session, store_id, body.visitor_id, body.scene_id))


@router.post("/public/stores/{store_id}/scene-views", response_model=Tracked)
def record_scene_view(store_id: StoreId, body: SceneViewIn, runtime: Runtime) -> Tracked:
    """The visitor moved to a scene."""
    with runtime.database.tenant_transaction(_tenant(runtime, store_id)) as session:
        service.record_scene_view(session, store_id, body.visitor_id, body.scene_id)
    return Tracked(counted=True)


@router.post("/public/stores/{store_id}/clicks", response_model=Tracked)
def record_click(store_id: StoreId, body: ClickIn, runtime: Runtime) -> Tracked:
    """The visitor opened a hotspot's card."""
    with runtime.database.tenant_transaction(_tenant(runtime, store_id)) as session:
        service.record_click(session, store_id, body.visitor_id, body.hotspot_id)
    return Tracked(counted=True)
