"""Store use cases: stores, scenes from ready panoramas, hotspots, publishing, the public tour."""

from __future__ import annotations

from sqlalchemy.orm import Session

from smartdist.db import utcnow
from smartdist.problems import NotFound
from smartdist_virtual_store.campaigns import service as campaigns
from smartdist_virtual_store.panoramas import service as panoramas
from smartdist_virtual_store.stores import repository
from smartdist_virtual_store.stores.domain import (
    MAX_SCENES,
    NothingToPublish,
    PanoramaNotReady,
    TooManyScenes,
    bad_reference,
)
from smartdist_virtual_store.stores.models import Hotspot, Scene, Store
from smartdist_virtual_store.stores.schemas import (
    HotspotIn,
    HotspotOut,
    HotspotPatch,
    PublicCampaign,
    PublicStore,
    SceneIn,
    SceneOut,
    ScenePatch,
    StoreIn,
    StoreOut,
    StorePatch,
)


def get_store(session: Session, store_id: str) -> Store:
    store = session.get(Store, store_id)
    if store is None:
        raise NotFound(f"No store {store_id}.", code="virtual.store.not_found", params={"id": store_id})
    return store


def get_scene(session: Session, scene_id: str) -> Scene:
    scene = session.get(Scene, scene_id)
    if scene is None:
        raise NotFound(f"No scene {scene_id}.", code="virtual.scene.not_found", params={"id": scene_id})
    return scene


def get_hotspot(session: Session, hotspot_id: str) -> Hotspot:
    hotspot = session.get(Hotspot, hotspot_id)
    if hotspot is None:
        raise NotFound(f"No hotspot {hotspot_id}.", code="virtual.hotspot.not_found", params={"id": hotspot_id})
    return hotspot


def create_store(session: Session, body: StoreIn) -> Store:
    store = Store(name=body.name, description=body.description)
    session.add(store)
    session.flush()
    return store


def update_store(session: Session, store_id: str, patch: StorePatch) -> Store:
    store = get_store(session, store_id)
    changes = patch.model_dump(exclude_unset=True)
    if changes.get("first_scene_id") is not None:
        scene = session.get(Scene, changes["first_scene_id"])
        if scene is None or scene.store_id != store.id:
            raise bad_reference("first_scene_id", "not a scene of this store")
    for key, value in changes.items():
        if value is not None or key == "first_scene_id":
            setattr(store, key, value)
    session.flush()
    return store


def publish_store(session: Session, store_id: str, published: bool) -> Store:
    store = get_store(session, store_id)
    if published and repository.scene_count(session, store_id) == 0:
        raise NothingToPublish("Add a scene (from a ready panorama) before publishing.", code="virtual.store.no_scene")
    store.published = published
    store.published_at = utcnow() if published else None
    session.flush()
    return store


def add_scene(session: Session, store_id: str, body: SceneIn) -> Scene:
    store = get_store(session, store_id)
    count = repository.scene_count(session, store_id)
    if count >= MAX_SCENES:
        raise TooManyScenes(
            f"Store {store.name} already has {MAX_SCENES} scenes.",
            code="virtual.store.too_many_scenes",
            params={"store": store.name, "max": MAX_SCENES},
        )
    panorama = panoramas.find_panorama(session, body.panorama_id)
    if panorama is None:
        raise bad_reference("panorama_id", "no such panorama")
    if panorama.status != "ready":
        raise PanoramaNotReady(
            f"Panorama {panorama.id} is {panorama.status}; wait until it is ready.",
            code="virtual.panorama.not_ready",
            params={"id": panorama.id, "status": panorama.status},
        )
    scene = Scene(store_id=store_id, position=count, **body.model_dump())
    session.add(scene)
    session.flush()
    if store.first_scene_id is None:
        store.first_scene_id = scene.id
    session.flush()
    return scene


def update_scene(session: Session, scene_id: str, patch: ScenePatch) -> Scene:
    scene = get_scene(session, scene_id)
    for key, value in patch.model_dump(exclude_unset=True).items():
        if value is not None:
            setattr(scene, key, value)
    session.flush()
    return scene


def delete_scene(session: Session, scene_id: str) -> None:
    """The scene goes with its hotspots and every hotspot that led to it."""
    scene = get_scene(session, scene_id)
    for hotspot in repository.hotspots_of(session, [scene.id]) + repository.hotspots_leading_to(session, scene.id):
        session.delete(hotspot)
    store = get_store(session, scene.store_id)
    session.delete(scene)
    session.flush()
    if store.first_scene_id == scene_id:
        remaining = repository.scenes_of(session, store.id)
        store.first_scene_id = remaining[0].id if remaining else None
        if not remaining:
            store.published = False
    session.flush()


def _check_hotspot_refs(session: Session, scene: Scene, target_scene_id: str | None, campaign_id: str | None) -> None:
    if target_scene_id is not None:
        target = session.get(Scene, target_scene_id)
        if target is None or target.store_id != scene.store_id:
            raise bad_reference("target_scene_id", "not a scene of this store")
    if campaign_id is not None and not campaigns.campaign_exists(session, campaign_id):
        raise bad_reference("campaign_id", "no such campaign")


def add_hotspot(session: Session, scene_id: str, body: HotspotIn) -> Hotspot:
    scene = get_scene(session, scene_id)
    _check_hotspot_refs(session, scene, body.target_scene_id, body.campaign_id)
    hotspot = Hotspot(scene_id=scene.id, **body.model_dump())
    session.add(hotspot)
    session.flush()
    return hotspot


def update_hotspot(session: Session, hotspot_id: str, patch: HotspotPatch) -> Hotspot:
    hotspot = get_hotspot(session, hotspot_id)
    changes = patch.model_dump(exclude_unset=True)
    scene = get_scene(session, hotspot.scene_id)
    _check_hotspot_refs(session, scene, changes.get("target_scene_id"), changes.get("campaign_id"))
    for key, value in changes.items():
        if value is None and key in REQUIRED_HOTSPOT_FIELDS:
            continue  # null clears optional fields only
        setattr(hotspot, key, value)
    if hotspot.kind == "scene" and hotspot.target_scene_id is None:
        raise bad_reference("target_scene_id", "a scene hotspot needs target_scene_id")
    session.flush()
    return hotspot


REQUIRED_HOTSPOT_FIELDS = frozenset({"pitch", "yaw", "title", "text", "image_urls", "icon", "color"})


def delete_hotspot(session: Session, hotspot_id: str) -> None:
    session.delete(get_hotspot(session, hotspot_id))
    session.flush()


def _scenes_out(session: Session, store: Store, root: str) -> list[SceneOut]:
    scenes = repository.scenes_of(session, store.id)
    by_scene: dict[str, list[HotspotOut]] = {s.id: [] for s in scenes}
    for h in repository.hotspots_of(session, list(by_scene)):
        by_scene[h.scene_id].append(HotspotOut.model_validate(h))
    out = []
    for s in scenes:
        panorama = panoramas.find_panorama(session, s.panorama_id)
        view = panoramas.panorama_out(panorama, root) if panorama is not None else None
        out.append(
            SceneOut(
                id=s.id,
                name=s.name,
                panorama_id=s.panorama_id,
                position=s.position,
                yaw=s.yaw,
                pitch=s.pitch,
                hfov=s.hfov,
                preview_url=view.preview_url if view else None,
                thumbnail_url=view.thumbnail_url if view else None,
                multires=view.multires if view else None,
                hotspots=by_scene[s.id],
            )
        )
    return out


def store_out(session: Session, store: Store, root: str) -> StoreOut:
    return StoreOut(
        id=store.id,
        name=store.name,
        description=store.description,
        published=store.published,
        published_at=store.published_at,
        first_scene_id=store.first_scene_id,
        created_at=store.created_at,
        scenes=_scenes_out(session, store, root),
        viewer_url=f"{root}/stores/{store.id}",
    )


def store_tenant(session: Session, store_id: str) -> str:
    """Whose published store this is (public callers carry no tenant)."""
    store = repository.published_store(session, store_id)
    if store is None:
        raise NotFound(f"No published store {store_id}.", code="virtual.store.not_published", params={"id": store_id})
    return store.tenant_id


def public_store(session: Session, store_id: str, root: str) -> PublicStore:
    """What the public viewer needs of a published store (any tenant's: a system session)."""
    store = repository.published_store(session, store_id)
    if store is None:
        raise NotFound(f"No published store {store_id}.", code="virtual.store.not_published", params={"id": store_id})
    live = campaigns.live_campaigns(session, store.tenant_id, store.id)
    return PublicStore(
        id=store.id,
        name=store.name,
        description=store.description,
        first_scene_id=store.first_scene_id,
        scenes=_scenes_out(session, store, root),
        campaigns=[PublicCampaign.model_validate(c, from_attributes=True) for c in live],
    )


def scene_ids(session: Session, store_id: str) -> dict[str, str]:
    return {s.id: s.name for s in repository.scenes_of(session, store_id)}


def hotspot_titles(session: Session, store_id: str) -> dict[str, tuple[str, str]]:
    """hotspot id -> (scene id, title) of the store's hotspots."""
    scenes = list(scene_ids(session, store_id))
    return {h.id: (h.scene_id, h.title) for h in repository.hotspots_of(session, scenes)}
