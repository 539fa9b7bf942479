"""Real panoramas are accepted, processed into Pannellum's multires tiles; tenants see only theirs."""

from __future__ import annotations

import io
import math

from PIL import Image

from smartdist_virtual_store.app import DEFINITION

STAFF = ("clerk",)


def test_real_panoramas_become_multires_tiles_preview_and_thumbnail(
    service_factory, shared_data_dir, upload, wait_ready
) -> None:
    files = sorted((shared_data_dir / "panoramas").glob("*.jpg"))
    assert len(files) == 3
    with service_factory(DEFINITION) as svc:
        t = svc.new_tenant()
        h = svc.headers(t, STAFF)
        accepted = []
        for f in files:
            r = upload(svc, h, f.read_bytes(), filename=f.name, scene_name=f.stem)
            assert r.status_code == 202, r.text
            assert set(r.json()) == {"job_id", "panorama_id"}
            accepted.append((f, r.json()))
        for f, ids in accepted:
            body = wait_ready(svc, h, ids["panorama_id"])
            assert body["status"] == "ready", body
            width = int(f.stem.rsplit("-", 1)[1].split("x")[0])
            assert (body["width"], body["height"]) == (width, width // 2)
            multires = body["multires"]
            assert multires["cubeResolution"] == 8 * int(width / math.pi / 8)
            top = multires["maxLevel"]
            tiles = math.ceil(multires["cubeResolution"] / multires["tileResolution"])
            for face in "frblud":
                last = svc.client.get(f"{multires['basePath']}/{top}/{face}{tiles - 1}_{tiles - 1}.jpg")
                assert last.status_code == 200, (face, last.status_code)
            thumb = Image.open(io.BytesIO(svc.client.get(body["thumbnail_url"]).content))
            assert thumb.size == (512, 256)
            job = svc.client.get(f"/api/v1/jobs/{ids['job_id']}", headers=h).json()
            assert job["status"] == "succeeded" and job["progress"] == 1.0
        listed = svc.client.get("/api/v1/panoramas", headers=h).json()["items"]
        assert {p["id"] for p in listed} == {ids["panorama_id"] for _, ids in accepted}


def test_another_tenant_cannot_read_or_list_a_panorama(service_factory, image_bytes, upload) -> None:
    with service_factory(DEFINITION) as svc:
        a, b = svc.new_tenant(), svc.new_tenant()
        pid = upload(svc, svc.headers(a, STAFF), image_bytes()).json()["panorama_id"]
        assert svc.client.get(f"/api/v1/panoramas/{pid}", headers=svc.headers(b, STAFF)).status_code == 404
        assert svc.client.get("/api/v1/panoramas", headers=svc.headers(b, STAFF)).json()["items"] == []


def test_files_outside_the_processed_set_are_never_served(service_factory, image_bytes, upload, wait_ready) -> None:
    with service_factory(DEFINITION) as svc:
        t = svc.new_tenant()
        h = svc.headers(t, STAFF)
        pid = upload(svc, h, image_bytes()).json()["panorama_id"]
        wait_ready(svc, h, pid)
        for name in ("../../uploads/x", "upload.bin", "..%2F..%2Fvirtual-store.db", "1/f0_0.png", "preview.jpg/.."):
            assert svc.client.get(f"/api/v1/panoramas/{pid}/files/{name}").status_code == 404, name


def test_a_retried_upload_with_the_same_idempotency_key_creates_one_panorama(service_factory, image_bytes) -> None:
    with service_factory(DEFINITION) as svc:
        t = svc.new_tenant()
        h = {**svc.headers(t, STAFF), "Idempotency-Key": "upload-1"}
        data = image_bytes()
        first = svc.client.post("/api/v1/panoramas", headers=h, files={"file": ("a.jpg", data, "image/jpeg")})
        again = svc.client.post("/api/v1/panoramas", headers=h, files={"file": ("a.jpg", data, "image/jpeg")})
        assert first.status_code == again.status_code == 202
        assert first.json() == again.json()
        assert len(svc.client.get("/api/v1/panoramas", headers=h).json()["items"]) == 1


def test_consumers_and_anonymous_callers_cannot_upload(service_factory, image_bytes, upload) -> None:
    with service_factory(DEFINITION) as svc:
        consumer = svc.headers(None, ("consumer",), kind="consumer")
        assert upload(svc, consumer, image_bytes()).status_code == 403
        assert (
            svc.client.post("/api/v1/panoramas", files={"file": ("a.jpg", image_bytes(), "image/jpeg")}).status_code
            == 401
        )
