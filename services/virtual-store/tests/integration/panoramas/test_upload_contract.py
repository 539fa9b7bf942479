"""POST /api/v1/panoramas decides before it answers; refused files leave nothing behind."""

from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from smartdist_virtual_store.app import DEFINITION

STAFF = ("clerk",)


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_declaring(width: int, height: int, idat: bytes = b"") -> bytes:
    """A PNG header that declares any canvas, with as little pixel data as we like."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")


def jpeg_declaring(width: int, height: int) -> bytes:
    """A real small JPEG whose SOF0 frame header is rewritten to declare a huge canvas."""
    data = bytearray(Image.new("RGB", (64, 32), "red").tobytes() and _small_jpeg())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def _small_jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 32), "red").save(buf, "JPEG")
    return buf.getvalue()


def exif_rotated(width: int, height: int, orientation: int) -> bytes:
    im = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    exif = Image.Exif()
    exif[0x0112] = orientation
    buf = io.BytesIO()
    im.save(buf, "JPEG", exif=exif.tobytes())
    return buf.getvalue()


def animated_png(width: int = 1024, height: int = 512) -> bytes:
    frames = [Image.new("RGB", (width, height), c) for c in ("red", "blue")]
    buf = io.BytesIO()
    frames[0].save(buf, "PNG", save_all=True, append_images=frames[1:])
    return buf.getvalue()


def other_format(fmt: str, **kw: Any) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (1024, 512), "green").save(buf, fmt, **kw)
    return buf.getvalue()


def assert_nothing_stored(svc: Any, headers: dict[str, str]) -> None:
    assert svc.client.get("/api/v1/panoramas", headers=headers).json()["items"] == []
    media = Path(svc.runtime.settings.resolved_data_dir()) / "virtual-store-media"
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def hostile_files(image_bytes: Any) -> list[tuple[str, bytes, str, int, str]]:
    """(class, bytes, filename, expected status, reason) for every hostile class of the data README."""
    good = image_bytes(2048, 1024)
    good_png = image_bytes(1024, 512, fmt="PNG")
    return [
        (
            "bomb png 60000x30000",
            png_declaring(60000, 30000, zlib.compress(b"\0" * 10000)),
            "bomb.png",
            413,
            "too_many_pixels",
        ),
        ("bomb jpeg 60000x30000", jpeg_declaring(60000, 30000), "bomb.jpg", 413, "too_many_pixels"),
        ("huge header no data", png_declaring(30000, 15000), "huge.png", 413, "too_many_pixels"),
        ("16384x8192 over the pixel policy", png_declaring(16384, 8192), "big.png", 413, "too_many_pixels"),
        ("big header 2:1 no data", png_declaring(4096, 2048), "nodata.png", 422, "truncated_or_corrupt"),
        ("truncated jpeg", good[: len(good) // 2], "half.jpg", 422, "truncated_or_corrupt"),
        ("truncated png", good_png[: len(good_png) // 2], "half.png", 422, "truncated_or_corrupt"),
        ("gif named jpg", other_format("GIF"), "x.jpg", 415, "not_jpeg_or_png"),
        ("webp named jpg", other_format("WEBP"), "x.jpg", 415, "not_jpeg_or_png"),
        ("bmp named png", other_format("BMP"), "x.png", 415, "not_jpeg_or_png"),
        ("tiff named jpg", other_format("TIFF"), "x.jpg", 415, "not_jpeg_or_png"),
        ("html", b"<!doctype html><script>alert(1)</script>", "x.jpg", 415, "not_jpeg_or_png"),
        (
            "svg with entity",
            b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg>&x;</svg>',
            "x.png",
            415,
            "not_jpeg_or_png",
        ),
        ("php", b"<?php system($_GET['c']); ?>", "x.jpg", 415, "not_jpeg_or_png"),
        ("zip", b"PK\x03\x04" + os.urandom(200), "x.jpg", 415, "not_jpeg_or_png"),
        ("elf", b"\x7fELF" + os.urandom(200), "x.png", 415, "not_jpeg_or_png"),
        ("empty", b"", "x.jpg", 422, "empty"),
        ("few bytes", b"\xff\xd8", "x.jpg", 415, "not_jpeg_or_png"),
        ("jpeg magic then garbage", b"\xff\xd8\xff" + os.urandom(3000), "x.jpg", 422, "corrupt"),
        ("random", os.urandom(5000), "x.jpg", 415, "not_jpeg_or_png"),
        ("1x1", image_bytes(1, 1), "x.jpg", 422, "too_small"),
        ("2x1", image_bytes(2, 1), "x.jpg", 422, "too_small"),
        ("below minimum 1000x500", image_bytes(1000, 500), "x.jpg", 422, "too_small"),
        ("4:3 photo", image_bytes(2048, 1536), "x.jpg", 422, "not_2_to_1"),
        ("16:9 photo", image_bytes(1920, 1080), "x.jpg", 422, "not_2_to_1"),
        ("portrait", image_bytes(1024, 2048), "x.jpg", 422, "not_2_to_1"),
        ("2:1 off by 1.5%", image_bytes(2080, 1024), "x.jpg", 422, "not_2_to_1"),
        ("1:1 stereo", image_bytes(2048, 2048), "x.jpg", 422, "not_2_to_1"),
        ("2:1 pixels shown 1:2 by EXIF 6", exif_rotated(2048, 1024, 6), "x.jpg", 422, "not_2_to_1"),
        ("animated png", animated_png(), "x.png", 422, "animated"),
    ]


def test_every_hostile_class_is_refused_with_its_reason_and_nothing_is_stored(
    service_factory, image_bytes, upload
) -> None:
    with service_factory(DEFINITION) as svc:
        t = svc.new_tenant()
        h = svc.headers(t, STAFF)
        for name, data, filename, expected, reason in hostile_files(image_bytes):
            r = upload(svc, h, data, filename=filename)
            assert r.status_code == expected, (name, r.status_code, r.text)
            assert r.headers["content-type"].startswith("application/problem+json"), name
            body = r.json()
            assert body["reason"] == reason, (name, body)
            assert body["detail"], name
        assert_nothing_stored(svc, h)


def test_an_upload_over_the_byte_limit_is_413_and_nothing_is_stored(
    service_factory, image_bytes, upload, monkeypatch
) -> None:
    from smartdist_virtual_store.config import get_settings

    monkeypatch.setattr(get_settings(), "max_upload_bytes", 50_000)
    with service_factory(DEFINITION) as svc:
        t = svc.new_tenant()
        h = svc.headers(t, STAFF)
        r = upload(svc, h, image_bytes(2048, 1024, quality=100) + os.urandom(60_000))
        assert r.status_code == 413 and r.json()["reason"] == "too_large"
        assert_nothing_stored(svc, h)


@pytest.mark.parametrize(
    "case",
    [
        "corrupt_exif",
        "huge_comment",
        "cmyk",
        "grayscale",
        "palette_alpha",
        "png16",
        "rgba",
        "progressive",
        "restart_markers",
        "exif_1to2_rotated",
        "polyglot",
        "icc",
        "xmp",
    ],
)
def test_valid_encodings_and_colour_modes_are_accepted_and_come_out_rgb(
    case, service_factory, image_bytes, upload, wait_ready
) -> None:
    if case == "corrupt_exif":
        # an APP1 Exif block whose IFD offsets point nowhere and whose entry count is huge
        bad_exif = b"Exif\x00\x00II*\x00\xff\xff\xff\x7f" + b"\xff\xff" + b"\x12\x01" * 500
        jpeg = image_bytes(1024, 512)
        segment = b"\xff\xe1" + struct.pack(">H", len(bad_exif) + 2) + bad_exif
        data = jpeg[:2] + segment + jpeg[2:]
    elif case == "huge_comment":
        comment = b"<?php echo 1; ?>" * 4000
        jpeg = image_bytes(1024, 512)
        data = jpeg[:2] + b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment + jpeg[2:]
    elif case == "cmyk":
        data = image_bytes(1024, 512, mode="CMYK")
    elif case == "grayscale":
        data = image_bytes(1024, 512, mode="L")
    elif case == "palette_alpha":
        im = Image.linear_gradient("L").resize((1024, 512)).convert("P")
        buf = io.BytesIO()
        im.save(buf, "PNG", transparency=0)
        data = buf.getvalue()
    elif case == "png16":
        im = Image.linear_gradient("L").resize((1024, 512)).convert("I").point(lambda v: v * 256)
        buf = io.BytesIO()
        im.convert("I;16").save(buf, "PNG")
        data = buf.getvalue()
        assert Image.open(io.BytesIO(data)).mode.startswith("I")
    elif case == "rgba":
        data = image_bytes(1024, 512, mode="RGBA", fmt="PNG")
    elif case == "progressive":
        data = image_bytes(1024, 512, progressive=True, optimize=True)
    elif case == "restart_markers":
        data = image_bytes(1024, 512, restart_marker_rows=2)
    elif case == "exif_1to2_rotated":
        data = exif_rotated(512, 1024, 6)  # stored 1:2, shown 2:1
    elif case == "polyglot":
        data = image_bytes(1024, 512) + b"PK\x03\x04<?php system($_GET['c']); ?><script>alert(1)</script>"
    elif case == "icc":
        from PIL import ImageCms

        profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
        data = image_bytes(1024, 512, icc_profile=profile)
    else:
        xmp = (
            b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><GPano:ProjectionType>equirectangular</GPano:ProjectionType>'
            + b" " * 20000
            + b"</x:xmpmeta>"
        )
        data = image_bytes(1024, 512, xmp=xmp)
    with service_factory(DEFINITION) as svc:
        t = svc.new_tenant()
        h = svc.headers(t, STAFF)
        r = upload(svc, h, data, filename="../../etc/passwd\x00.png", content_type="text/html")
        assert r.status_code == 202, r.text
        body = wait_ready(svc, h, r.json()["panorama_id"])
        assert body["status"] == "ready", body
        assert (body["width"], body["height"]) == (1024, 512)
        tile = svc.client.get(body["multires"]["basePath"] + "/1/f0_0.jpg")
        assert tile.status_code == 200 and tile.headers["content-type"] == "image/jpeg"
        assert tile.headers["x-content-type-options"] == "nosniff"
        assert b"PK\x03\x04" not in tile.content and b"<?php" not in tile.content
        for path in (body["preview_url"], body["thumbnail_url"], body["multires"]["basePath"] + "/fallback/u.jpg"):
            got = svc.client.get(path)
            im = Image.open(io.BytesIO(got.content))
            assert im.format == "JPEG" and im.mode == "RGB", path
            assert "exif" not in im.info and b"GPano" not in got.content and b"<?php" not in got.content
        preview = Image.open(io.BytesIO(svc.client.get(body["preview_url"]).content))
        assert preview.size == (1024, 512)  # the EXIF-rotated one comes out turned upright
