"""Panorama use cases: accept a checked upload, process it into the viewer's files, serve them."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from sqlalchemy.orm import Session

from smartdist.db import utcnow
from smartdist.jobs import submit_job
from smartdist.problems import NotFound
from smartdist_virtual_store.adapters.storage import FileStore, MissingFile, file_store
from smartdist_virtual_store.config import get_settings
from smartdist_virtual_store.panoramas.domain import is_servable, media_prefix, refusal, upload_key
from smartdist_virtual_store.panoramas.inspection import Inspection, Limits, Refused, inspect, normalized_rgb
from smartdist_virtual_store.panoramas.models import Panorama
from smartdist_virtual_store.panoramas.schemas import PanoramaOut
from smartdist_virtual_store.panoramas.tiling import (
    layout_for,
    multires_config,
    pack_pixels,
    preview_files,
    tile_files,
)

PROCESS_JOB = "virtual-store.process_panorama"


def media_store(data_dir: Path) -> FileStore:
    return file_store(data_dir)


def upload_limits() -> Limits:
    s = get_settings()
    return Limits(
        max_pixels=s.max_pixels, min_width=s.min_width, min_height=s.min_height, aspect_tolerance=s.aspect_tolerance
    )


def check_upload(data: bytes) -> Inspection:
    """Accept the bytes as a panorama or raise the problem+json that says why not."""
    try:
        return inspect(data, upload_limits())
    except Refused as why:
        raise refusal(why.status, why.reason, why.message, why.code, why.params) from None


def accept_panorama(
    session: Session,
    store: FileStore,
    *,
    tenant_id: str,
    data: bytes,
    inspection: Inspection,
    scene_name: str,
    created_by: str,
) -> Panorama:
    """Record an accepted upload and queue its processing (dispatched once the request commits)."""
    panorama = Panorama(
        scene_name=scene_name,
        kind=inspection.kind,
        width=inspection.width,
        height=inspection.height,
        source_mode=inspection.mode,
        source_bytes=len(data),
    )
    session.add(panorama)
    session.flush()
    store.put(upload_key(tenant_id, panorama.id), data, "application/octet-stream")
    panorama.job_id = submit_job(session, PROCESS_JOB, {"panorama_id": panorama.id}, created_by=created_by)
    session.flush()
    return panorama


@dataclass(frozen=True)
class Rendered:
    cube_size: int
    tile_size: int
    levels: int
    files: int


def _previews(image: Image.Image, quality: int) -> list[tuple[str, bytes]]:
    return list(preview_files(image, quality))


def render_files(
    store: FileStore, tenant_id: str, panorama_id: str, progress: Callable[[float], None] = lambda f: None
) -> Rendered:
    """Re-encode the upload into tiles, preview and thumbnail; the upload itself is then deleted."""
    settings = get_settings()
    data = store.get(upload_key(tenant_id, panorama_id))
    image = normalized_rgb(data)
    del data
    width, height = image.size
    layout = layout_for(width, settings.tile_size)
    prefix = media_prefix(tenant_id, panorama_id)
    files = 0
    # The preview and thumbnail are encoded on a second thread while this one packs the pixels.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="preview") as pool:
        previews = pool.submit(_previews, image, settings.tile_quality)
        packed = pack_pixels(image)
        for name, body in previews.result():
            store.put(f"{prefix}/{name}", body, "image/jpeg")
            files += 1
    # Only the packed pixels stay in memory while the tiles are cut (the decoded picture goes).
    del image, previews
    tiles = tile_files(
        packed,
        width,
        height,
        tile_size=settings.tile_size,
        quality=settings.tile_quality,
        workers=settings.tile_workers,
        progress=progress,
    )
    for name, body in tiles:
        store.put(f"{prefix}/{name}", body, "image/jpeg")
        files += 1
    store.delete_prefix(upload_key(tenant_id, panorama_id))
    return Rendered(cube_size=layout.cube_size, tile_size=layout.tile_size, levels=layout.levels, files=files)


def mark_ready(session: Session, panorama_id: str, rendered: Rendered) -> None:
    panorama = session.get(Panorama, panorama_id)
    if panorama is None:
        return
    panorama.status = "ready"
    panorama.cube_size, panorama.tile_size, panorama.levels = rendered.cube_size, rendered.tile_size, rendered.levels
    panorama.tile_count = rendered.files
    panorama.ready_at = utcnow()
    session.flush()


def mark_failed(session: Session, store: FileStore, tenant_id: str, panorama_id: str, error: str) -> None:
    """A failed processing leaves no files behind, and says why."""
    store.delete_prefix(media_prefix(tenant_id, panorama_id))
    store.delete_prefix(upload_key(tenant_id, panorama_id))
    panorama = session.get(Panorama, panorama_id)
    if panorama is not None:
        panorama.status = "failed"
        panorama.error = error[:500]
        session.flush()


def files_url(root: str, panorama_id: str) -> str:
    return f"{root}/api/v1/panoramas/{panorama_id}/files"


def viewer_config(panorama: Panorama, root: str) -> dict[str, object] | None:
    """Pannellum's multiRes block for a ready panorama."""
    if panorama.status != "ready" or not panorama.cube_size or not panorama.tile_size or not panorama.levels:
        return None
    layout = layout_for(panorama.width, panorama.tile_size)
    return multires_config(files_url(root, panorama.id), layout)


def panorama_out(panorama: Panorama, root: str) -> PanoramaOut:
    out = PanoramaOut.model_validate(panorama)
    if panorama.status == "ready":
        base = files_url(root, panorama.id)
        out.preview_url, out.thumbnail_url = f"{base}/preview.jpg", f"{base}/thumbnail.jpg"
        out.multires = viewer_config(panorama, root)
    return out


def panorama_file(session: Session, store: FileStore, panorama_id: str, name: str) -> bytes:
    """A processed file of a ready panorama (any tenant: the viewer is public, ids are unguessable)."""
    panorama = session.get(Panorama, panorama_id)
    if panorama is None or panorama.status != "ready" or not is_servable(name):
        raise NotFound("No such panorama file.", code="virtual.panorama.no_file")
    try:
        return store.get(f"{media_prefix(panorama.tenant_id, panorama.id)}/{name}")
    except MissingFile:
        raise NotFound("No such panorama file.", code="virtual.panorama.no_file") from None


def find_panorama(session: Session, panorama_id: str) -> Panorama | None:
    return session.get(Panorama, panorama_id)


def process_now(session: Session, store: FileStore, *, tenant_id: str, data: bytes, scene_name: str) -> Panorama:
    """Check and process a panorama in the caller's transaction, without a job (the demo seed)."""
    inspection = check_upload(data)
    panorama = Panorama(
        scene_name=scene_name,
        kind=inspection.kind,
        width=inspection.width,
        height=inspection.height,
        source_mode=inspection.mode,
        source_bytes=len(data),
    )
    session.add(panorama)
    session.flush()
    store.put(upload_key(tenant_id, panorama.id), data, "application/octet-stream")
    mark_ready(session, panorama.id, render_files(store, tenant_id, panorama.id))
    return panorama
