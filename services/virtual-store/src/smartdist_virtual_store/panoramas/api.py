"""/api/v1/panoramas: upload (checked before the answer), status, list, and the processed files."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Path, Request, UploadFile, status
from fastapi.responses import Response

from smartdist.auth import Principal, require_roles
from smartdist.pagination import Cursor, Limit, Page, paginate
from smartdist.problems import NotFound
from smartdist.web.deps import DbSession, IdempotencyDep, Runtime, SystemDbSession
from smartdist_virtual_store.config import get_settings
from smartdist_virtual_store.panoramas import repository, service
from smartdist_virtual_store.panoramas.domain import refusal
from smartdist_virtual_store.panoramas.models import Panorama
from smartdist_virtual_store.panoramas.schemas import PanoramaAccepted, PanoramaOut

Staff = Annotated[Principal, require_roles("clerk", "integrator")]
PanoramaId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="The panorama's id.")]
CHUNK = 1024 * 1024

router = APIRouter(tags=["panoramas"])


def _root(request: Request) -> str:
    return str(request.scope.get("root_path", ""))


def _read_bounded(request: Request, upload: UploadFile, limit: int) -> bytes:
    """The upload's bytes, refused with 413 as soon as they pass the limit (read in chunks)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + 64 * 1024:  # the multipart envelope's own bytes
        raise refusal(
            413, "too_large", f"The upload is larger than the {limit:,} bytes accepted.", params={"limit": limit}
        )
    parts: list[bytes] = []
    size = 0
    upload.file.seek(0)
    while chunk := upload.file.read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise refusal(
                413, "too_large", f"The upload is larger than the {limit:,} bytes accepted.", params={"limit": limit}
            )
        parts.append(chunk)
    return b"".join(parts)


@router.post(
    "/panoramas",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=PanoramaAccepted,
    responses={
        413: {"description": "file or pixel count too large"},
        415: {"description": "not a JPEG or PNG (judged by the bytes)"},
        422: {"description": "not 2:1, too small, truncated or corrupt"},
    },
)
def upload_panorama(
    request: Request,
    file: Annotated[UploadFile, File(description="An equirectangular JPEG or PNG, 2:1.")],
    session: DbSession,
    principal: Staff,
    idem: IdempotencyDep,
    runtime: Runtime,
    scene_name: Annotated[str, Form(max_length=200, description="Name for the scene made from it.")] = "",
) -> Any:
    """Check an equirectangular panorama (kind, size, shape, full decode) before answering; 202 starts processing."""
    if idem.replay is not None:
        return idem.replay
    data = _read_bounded(request, file, get_settings().max_upload_bytes)
    inspection = service.check_upload(data)
    panorama = service.accept_panorama(
        session,
        service.media_store(runtime.settings.resolved_data_dir()),
        tenant_id=str(principal.tenant_id),
        data=data,
        inspection=inspection,
        scene_name=scene_name.strip(),
        created_by=principal.subject,
    )
    return idem.save(202, PanoramaAccepted(job_id=panorama.job_id, panorama_id=panorama.id))


@router.get("/panoramas", response_model=Page[PanoramaOut])
def list_panoramas(
    request: Request,
    session: DbSession,
    principal: Staff,
    limit: Limit = 50,
    cursor: Cursor = None,
    status: Literal["processing", "ready", "failed"] | None = None,
) -> Page[PanoramaOut]:
    """The tenant's panoramas, newest first (a refused upload never appears)."""
    root = _root(request)
    return paginate(
        session,
        repository.panoramas(status),
        Panorama.id,
        limit=limit,
        cursor=cursor,
        descending=True,
        serialize=lambda p: service.panorama_out(p, root),
    )


@router.get("/panoramas/{panorama_id}", response_model=PanoramaOut)
def get_panorama(panorama_id: PanoramaId, request: Request, session: DbSession, principal: Staff) -> PanoramaOut:
    """One panorama: processing, ready (with the viewer's multires config) or failed (with why)."""
    panorama = repository.find_panorama(session, panorama_id)
    if panorama is None:
        raise NotFound(f"No panorama {panorama_id}.", code="virtual.panorama.not_found", params={"id": panorama_id})
    return service.panorama_out(panorama, _root(request))


@router.get(
    "/panoramas/{panorama_id}/files/{name:path}",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}, "description": "a tile, fallback face, preview or thumbnail"}},
)
def panorama_file(panorama_id: PanoramaId, name: str, session: SystemDbSession, runtime: Runtime) -> Response:
    """A processed file of a ready panorama, for the public viewer (re-encoded JPEG, never the upload)."""
    body = service.panorama_file(session, service.media_store(runtime.settings.resolved_data_dir()), panorama_id, name)
    return Response(
        body,
        media_type="image/jpeg",
        headers={
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "public, max-age=31536000, immutable",
            "Content-Security-Policy": "default-src 'none'",
        },
    )
