"""/api/v1/stores, /scenes, /hotspots (staff) and /public/stores/{id} (the viewer's tour)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response, status

from smartdist.auth import Principal, require_roles
from smartdist.pagination import Cursor, Limit, Page, paginate
from smartdist.web.deps import DbSession, IdempotencyDep, SystemDbSession
from smartdist_virtual_store.stores import repository, service
from smartdist_virtual_store.stores.models import Store
from smartdist_virtual_store.stores.schemas import (
    HotspotIn,
    HotspotOut,
    HotspotPatch,
    PublicStore,
    SceneIn,
    SceneOut,
    ScenePatch,
    StoreIn,
    StoreOut,
    StorePatch,
)

Editor = Annotated[Principal, require_roles("clerk", "integrator")]
StoreId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
SceneId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
HotspotId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]

router = APIRouter(tags=["stores"])


def _root(request: Request) -> str:
    return str(request.scope.get("root_path", ""))


def _scene_out(session: Any, scene_id: str, request: Request) -> SceneOut:
    scene = service.get_scene(session, scene_id)
    store = service.get_store(session, scene.store_id)
    return next(s for s in service.store_out(session, store, _root(request)).scenes if s.id == scene_id)


@router.post("/stores", status_code=status.HTTP_201_CREATED, response_model=StoreOut)
def create_store(body: StoreIn, request: Request, session: DbSession, principal: Editor, idem: IdempotencyDep) -> Any:
    """Create a virtual store (unpublished until it has a scene and is published)."""
    if idem.replay is not None:
        return idem.replay
    store = service.create_store(session, body)
    return idem.save(201, service.store_out(session, store, _root(request)))


@router.get("/stores", response_model=Page[StoreOut])
def list_stores(
    request: Request, session: DbSession, principal: Editor, limit: Limit = 50, cursor: Cursor = None
) -> Page[StoreOut]:
    """The tenant's virtual stores with their scenes and hotspots."""
    root = _root(request)
    return paginate(
        session,
        repository.stores(),
        Store.id,
        limit=limit,
        cursor=cursor,
        serialize=lambda s: service.store_out(session, s, root),
    )


@router.get("/stores/{store_id}", response_model=StoreOut)
def get_store(store_id: StoreId, request: Request, session: DbSession, principal: Editor) -> StoreOut:
    """One store with its scenes and hotspots."""
    return service.store_out(session, service.get_store(session, store_id), _root(request))


@router.patch("/stores/{store_id}", response_model=StoreOut)
def update_store(
    store_id: StoreId, body: StorePatch, request: Request, session: DbSession, principal: Editor
) -> StoreOut:
    """Rename a store, change its description or its first scene."""
    return service.store_out(session, service.update_store(session, store_id, body), _root(request))


@router.post("/stores/{store_id}/publish", response_model=StoreOut)
def publish_store(store_id: StoreId, request: Request, session: DbSession, principal: Editor) -> StoreOut:
    """Open the store's public viewer (409 while it has no scene)."""
    return service.store_out(session, service.publish_store(session, store_id, True), _root(request))


@router.post("/stores/{store_id}/unpublish", response_model=StoreOut)
def unpublish_store(store_id: StoreId, request: Request, session: DbSession, principal: Editor) -> StoreOut:
    """Close the public viewer; nothing is deleted."""
    return service.store_out(session, service.publish_store(session, store_id, False), _root(request))


@router.post("/stores/{store_id}/scenes", status_code=status.HTTP_201_CREATED, response_model=SceneOut)
def add_scene(
    store_id: StoreId, body: SceneIn, request: Request, session: DbSession, principal: Editor, idem: IdempotencyDep
) -> Any:
    """Add a scene from a ready panorama (at most 10 per store)."""
    if idem.replay is not None:
        return idem.replay
    scene = service.add_scene(session, store_id, body)
    return idem.save(201, _scene_out(session, scene.id, request))


@router.patch("/scenes/{scene_id}", response_model=SceneOut)
def update_scene(
    scene_id: SceneId, body: ScenePatch, request: Request, session: DbSession, principal: Editor
) -> SceneOut:
    """Rename a scene, reorder it or set where the visitor looks on arrival."""
    service.update_scene(session, scene_id, body)
    return _scene_out(session, scene_id, request)


@router.delete("/scenes/{scene_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
def delete_scene(scene_id: SceneId, session: DbSession, principal: Editor) -> Response:
    """Remove a scene, its hotspots and the hotspots that led to it."""
    service.delete_scene(session, scene_id)
    return Response(status_code=204)


@router.post("/scenes/{scene_id}/hotspots", status_code=status.HTTP_201_CREATED, response_model=HotspotOut)
def add_hotspot(scene_id: SceneId, body: HotspotIn, session: DbSession, principal: Editor, idem: IdempotencyDep) -> Any:
    """Place a hotspot (product card, scene link or information) at pitch/yaw on a scene."""
    if idem.replay is not None:
        return idem.replay
    return idem.save(201, HotspotOut.model_validate(service.add_hotspot(session, scene_id, body)))


@router.patch("/hotspots/{hotspot_id}", response_model=HotspotOut)
def update_hotspot(hotspot_id: HotspotId, body: HotspotPatch, session: DbSession, principal: Editor) -> HotspotOut:
    """Move a hotspot or change its card."""
    return HotspotOut.model_validate(service.update_hotspot(session, hotspot_id, body))


@router.delete("/hotspots/{hotspot_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
def delete_hotspot(hotspot_id: HotspotId, session: DbSession, principal: Editor) -> Response:
    """Remove a hotspot."""
    service.delete_hotspot(session, hotspot_id)
    return Response(status_code=204)


@router.get("/public/stores/{store_id}", response_model=PublicStore)
def public_store(store_id: StoreId, request: Request, session: SystemDbSession) -> PublicStore:
    """A published store's tour for the public viewer: scenes, tiles, hotspots, open campaigns (no sign-in)."""
    return service.public_store(session, store_id, _root(request))
