"""Listing photos: re-encoded JPEG and thumbnail; hostile or broken files refused, nothing stored."""

from __future__ import annotations

import io

from PIL import Image

from smartdist_surplus_market.app import DEFINITION

from ..conftest import clerk_headers, listing_body


def _png(w: int, h: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (w, h), (200, 120, 40)).save(out, "PNG")
    return out.getvalue()


def test_photo_upload_and_refusals(service_factory) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        t = svc.new_tenant()
        h = clerk_headers(svc, t)
        lid = svc.client.post("/api/v1/listings", json=listing_body(), headers=h).json()["id"]
        jpeg = io.BytesIO()
        Image.new("RGB", (3000, 2000), (10, 200, 10)).save(jpeg, "JPEG", exif=Image.Exif())
        jpeg_bytes = jpeg.getvalue() + b"<script>alert(1)</script>"  # data hidden after the image
        r = svc.client.post(
            f"/api/v1/listings/{lid}/photo", files={"file": ("p.jpg", jpeg_bytes, "image/jpeg")}, headers=h
        )
        assert r.status_code == 201, r.text
        assert (r.json()["width"], r.json()["height"]) == (1600, 1067)
        full = svc.client.get(f"/api/v1/listings/{lid}/photo")
        assert full.status_code == 200 and full.headers["content-type"] == "image/jpeg"
        assert b"<script>" not in full.content
        thumb = Image.open(io.BytesIO(svc.client.get(f"/api/v1/listings/{lid}/photo?size=thumbnail").content))
        assert max(thumb.size) == 320
        assert svc.client.get(f"/api/v1/listings/{lid}").json()["thumbnail_url"].endswith("size=thumbnail")
        bad = {
            "text.jpg": (b"hello, not an image", 415),
            "truncated.png": (_png(400, 300)[:200], 422),
            "gif.gif": (_gif(), 415),
            "svg.png": (b"<svg xmlns='http://www.w3.org/2000/svg'><script>1</script></svg>", 415),
        }
        for name, (data, code) in bad.items():
            r = svc.client.post(f"/api/v1/listings/{lid}/photo", files={"file": (name, data, "image/png")}, headers=h)
            assert r.status_code == code, (name, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")
        other = clerk_headers(svc, svc.new_tenant())
        assert (
            svc.client.post(
                f"/api/v1/listings/{lid}/photo", files={"file": ("p.png", _png(10, 10), "image/png")}, headers=other
            ).status_code
            == 404
        )


def test_pixel_bomb_refused_before_decoding(service_factory, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        t = svc.new_tenant()
        h = clerk_headers(svc, t)
        lid = svc.client.post("/api/v1/listings", json=listing_body(), headers=h).json()["id"]
        # a 12000 x 12000 PNG of one colour compresses to a few hundred kB but is 144 Mpx decoded
        out = io.BytesIO()
        Image.new("1", (12000, 12000)).save(out, "PNG")
        r = svc.client.post(
            f"/api/v1/listings/{lid}/photo", files={"file": ("bomb.png", out.getvalue(), "image/png")}, headers=h
        )
        assert r.status_code in (413, 415), r.text


def _gif() -> bytes:
    out = io.BytesIO()
    Image.new("P", (4, 4)).save(out, "GIF")
    return out.getvalue()
