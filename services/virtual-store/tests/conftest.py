"""Fixtures of the virtual-store tests: panorama files made on the spot, waiting for processing."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from typing import Any

import pytest
from PIL import Image


def make_image(width: int = 1024, height: int = 512, mode: str = "RGB", fmt: str = "JPEG", **save: Any) -> bytes:
    """A picture with a gradient (so tiles differ) in the given size, colour mode and format."""
    base = Image.linear_gradient("L").resize((width, height))
    if mode in ("RGB", "RGBA"):
        im = Image.merge("RGB", [base, base.transpose(Image.Transpose.FLIP_LEFT_RIGHT), base.rotate(180)])
        if mode == "RGBA":
            im.putalpha(base)
    else:
        im = base.convert(mode)
    buf = io.BytesIO()
    im.save(buf, fmt, **save)
    return buf.getvalue()


@pytest.fixture
def image_bytes() -> Callable[..., bytes]:
    return make_image


@pytest.fixture
def upload() -> Callable[..., Any]:
    """``upload(svc, headers, data, filename="p.jpg", content_type="image/jpeg", scene_name="")``"""

    def send(
        svc: Any,
        headers: dict[str, str],
        data: bytes,
        filename: str = "pano.jpg",
        content_type: str = "image/jpeg",
        **form: str,
    ) -> Any:
        return svc.client.post(
            "/api/v1/panoramas", headers=headers, files={"file": (filename, data, content_type)}, data=form
        )

    return send


@pytest.fixture
def wait_ready() -> Callable[..., dict[str, Any]]:
    def wait(svc: Any, headers: dict[str, str], panorama_id: str, timeout_s: float = 60.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while True:
            body: dict[str, Any] = svc.client.get(f"/api/v1/panoramas/{panorama_id}", headers=headers).json()
            if body.get("status") != "processing" or time.monotonic() > deadline:
                return body
            time.sleep(0.1)

    return wait


@pytest.fixture
def consumer_headers() -> Callable[..., dict[str, str]]:
    """A shopper's token as the console's POST /api/v1/auth/consumers/token signs it: kind
    consumer, no tenant, role consumer (the platform has no test helper for it)."""

    def headers(svc: Any, consumer_id: str = "consumer-1") -> dict[str, str]:
        return svc.headers(None, ("consumer",), kind="consumer", subject=consumer_id)

    return headers


@pytest.fixture
def campaign_body() -> Callable[..., dict[str, Any]]:
    def body(**overrides: Any) -> dict[str, Any]:
        from datetime import UTC, datetime, timedelta

        now = datetime.now(UTC)
        return {
            "name": "開幕九折",
            "kind": "percent",
            "value": 10,
            "starts_at": (now - timedelta(days=1)).isoformat(),
            "ends_at": (now + timedelta(days=30)).isoformat(),
            **overrides,
        }

    return body


@pytest.fixture
def ready_panorama(upload: Any, wait_ready: Any) -> Callable[..., str]:
    """``ready_panorama(svc, headers)`` uploads a small 2:1 picture and waits until it is processed."""

    def make(svc: Any, headers: dict[str, str], width: int = 1024) -> str:
        r = upload(svc, headers, make_image(width, width // 2))
        assert r.status_code == 202, r.text
        body = wait_ready(svc, headers, r.json()["panorama_id"])
        assert body["status"] == "ready", body
        return str(body["id"])

    return make
