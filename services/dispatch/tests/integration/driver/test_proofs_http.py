"""Signature and photo proofs on SQLite and PostgreSQL: stored once per bytes, real images only, 5 MB."""

from __future__ import annotations

import hashlib
from io import BytesIO
from typing import Any

from PIL import Image
from sqlalchemy import select

from smartdist_dispatch.routes.models import StopProof


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (120, 60), colour: str = "white") -> bytes:
    buffer = BytesIO()
    Image.new("RGB", size, colour).save(buffer, format=fmt)
    return buffer.getvalue()


def upload(
    day: Any,
    who: str,
    stop_id: int,
    data: bytes,
    *,
    kind: str = "signature",
    content_type: str = "image/png",
    key: str | None = None,
) -> Any:
    headers = day.headers(who) | ({"Idempotency-Key": key} if key else {})
    return day.svc.client.post(
        f"/api/v1/driver/stops/{stop_id}/proofs",
        data={"kind": kind},
        files={"file": ("proof", data, content_type)},
        headers=headers,
    )


def test_signature_is_stored_once_and_read_back_by_driver_and_dispatcher(day: Any) -> None:
    stop_id = day.stop("A-0")["id"]
    signature = image_bytes()
    first = upload(day, "DR1", stop_id, signature, key="sig-1")
    assert first.status_code == 201, first.text
    proof = first.json()
    assert (proof["kind"], proof["content_type"], proof["size_bytes"]) == ("signature", "image/png", len(signature))
    assert proof["sha256"] == hashlib.sha256(signature).hexdigest()
    # The same bytes again, as a queued retry without its answer or a second tap: the same proof.
    replay = upload(day, "DR1", stop_id, signature, key="sig-1")
    assert replay.status_code == 201 and replay.json() == proof
    second_tap = upload(day, "DR1", stop_id, signature, key="sig-2")
    assert second_tap.status_code == 200 and second_tap.json()["id"] == proof["id"]
    photo = upload(day, "DR1", stop_id, image_bytes("JPEG", colour="red"), kind="photo", content_type="image/jpeg")
    assert photo.status_code == 201 and photo.json()["content_type"] == "image/jpeg"
    for who in ("DR1", "dispatcher"):
        got = day.svc.client.get(f"/api/v1/driver/stops/{stop_id}/proofs/{proof['id']}", headers=day.headers(who))
        assert got.status_code == 200 and got.content == signature and got.headers["content-type"] == "image/png"
    assert (
        day.svc.client.get(
            f"/api/v1/driver/stops/{stop_id}/proofs/{proof['id']}", headers=day.headers("DR2")
        ).status_code
        == 404
    )
    today = day.svc.client.get("/api/v1/driver/routes/today?date=2026-11-27", headers=day.headers("DR1")).json()
    assert [p["kind"] for p in today["routes"][0]["stops"][0]["proofs"]] == ["signature", "photo"]
    with day.svc.database.tenant_transaction(day.tenant) as session:
        assert len(session.scalars(select(StopProof)).all()) == 2


def test_webp_is_taken_and_its_real_type_is_kept(day: Any) -> None:
    webp = upload(day, "DR1", day.stop("A-1")["id"], image_bytes("WEBP"), kind="photo", content_type="image/webp")
    assert webp.status_code == 201, webp.text
    assert webp.json()["content_type"] == "image/webp"


def test_a_file_that_is_not_an_image_or_too_big_is_refused_and_nothing_is_stored(day: Any) -> None:
    stop_id = day.stop("A-0")["id"]
    fake = upload(day, "DR1", stop_id, b"\x89PNG\r\n\x1a\n not really a png")
    assert fake.status_code == 422 and fake.json()["errors"][0]["loc"] == ["body", "file"]
    pdf = upload(day, "DR1", stop_id, b"%PDF-1.4 ...", content_type="application/pdf")
    assert pdf.status_code == 422
    gif = BytesIO()
    Image.new("RGB", (10, 10)).save(gif, format="GIF")
    assert upload(day, "DR1", stop_id, gif.getvalue()).status_code == 422  # says PNG, is a GIF
    huge = upload(day, "DR1", stop_id, image_bytes() + b"\0" * (5 * 1024 * 1024))
    assert huge.status_code == 413 and huge.headers["content-type"].startswith("application/problem+json")
    wrong_kind = day.svc.client.post(
        f"/api/v1/driver/stops/{stop_id}/proofs",
        data={"kind": "selfie"},
        files={"file": ("p.png", image_bytes(), "image/png")},
        headers=day.headers("DR1"),
    )
    assert wrong_kind.status_code == 422 and wrong_kind.json()["errors"][0]["loc"][-1] == "kind"
    assert upload(day, "DR2", stop_id, image_bytes()).status_code == 404  # another driver's stop
    with day.svc.database.tenant_transaction(day.tenant) as session:
        assert session.scalars(select(StopProof)).all() == []


def test_another_tenant_cannot_read_a_proof(day: Any, make_day: Any) -> None:
    stop_id = day.stop("A-0")["id"]
    proof = upload(day, "DR1", stop_id, image_bytes()).json()
    theirs = make_day("t2")
    url = f"/api/v1/driver/stops/{stop_id}/proofs/{proof['id']}"
    assert day.svc.client.get(url, headers=theirs.headers("dispatcher")).status_code == 404
    assert day.svc.client.get(url, headers=theirs.headers("DR1")).status_code == 404
    assert upload(theirs, "dispatcher", stop_id, image_bytes(colour="blue")).status_code == 404
