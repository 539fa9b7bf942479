"""Panorama rules: where its files live, which file names may be served, and refusals."""

from __future__ import annotations

import re

from smartdist.problems import Problem

# Only what processing wrote is ever served: tiles, fallback faces, preview, thumbnail.
SERVABLE = re.compile(
    r"^(preview\.jpg|thumbnail\.jpg|fallback/[frblud]\.jpg|[1-9][0-9]?/[frblud][0-9]{1,3}_[0-9]{1,3}\.jpg)$"
)


def upload_key(tenant_id: str, panorama_id: str) -> str:
    """The accepted upload, kept only until processing re-encodes it; never served."""
    return f"uploads/{tenant_id}/{panorama_id}"


def media_prefix(tenant_id: str, panorama_id: str) -> str:
    return f"panoramas/{tenant_id}/{panorama_id}"


def is_servable(name: str) -> bool:
    return bool(SERVABLE.match(name))


class UploadTooLarge(Problem):
    status = 413
    title = "Panorama too large"


class NotJpegOrPng(Problem):
    status = 415
    title = "Not a JPEG or PNG image"


class PanoramaRefused(Problem):
    status = 422
    title = "Panorama refused"


def refusal(
    status: int, reason: str, message: str, code: str | None = None, params: dict[str, object] | None = None
) -> Problem:
    """The problem+json a refused upload gets; ``reason`` is machine-readable, ``code`` its text's key."""
    kind: type[Problem] = {413: UploadTooLarge, 415: NotJpegOrPng}.get(status, PanoramaRefused)
    code = code or f"virtual.panorama.{reason}"
    item = {"loc": ["body", "file"], "message": message, "code": code, "params": dict(params or {})}
    return kind(message, reason=reason, code=code, params=dict(params or {}), errors=[item])
