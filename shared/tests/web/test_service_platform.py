"""The platform endpoints, auth errors, idempotency, pagination, KPI and jobs of a service,
on SQLite and PostgreSQL, through HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from smartdist.testing.platform import ServiceUnderTest
from smartdist.testing.sample import SAMPLE, SampleBase

PROBLEM = "application/problem+json"


@pytest.fixture
def svc(service_factory) -> Iterator[ServiceUnderTest]:  # type: ignore[no-untyped-def]
    with service_factory(SAMPLE) as started:
        SampleBase.metadata.create_all(started.database.engine)
        yield started


def test_health_readiness_metrics_and_openapi(svc: ServiceUnderTest) -> None:
    c = svc.client
    assert c.get("/healthz").json()["status"] == "ok"
    ready = c.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"] == {"database": "ok", "bus": "ok"}
    c.get("/api/v1/notes", headers=svc.headers("t1"))
    metrics = c.get("/metrics").text
    assert "# TYPE smartdist_http_requests_total counter" in metrics
    assert 'route="/api/v1/notes"' in metrics
    assert "smartdist_bus_events_relayed_total" in metrics  # the bus counters are served too
    assert "/api/v1/kpi/summary" in c.get("/openapi.json").json()["paths"]


def test_missing_bad_and_expired_tokens_get_401_problem_json(svc: ServiceUnderTest) -> None:
    c = svc.client
    for headers in (
        {},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Basic abc"},
        svc.headers("t1", ttl_s=-10),
    ):
        r = c.get("/api/v1/notes", headers=headers)
        assert r.status_code == 401, headers
        assert r.headers["content-type"].startswith(PROBLEM)
        assert r.json()["status"] == 401 and r.json()["detail"]
    expired = c.get("/api/v1/notes", headers=svc.headers("t1", ttl_s=-10)).json()
    assert expired["code"] == "auth.token_expired" and "重新登入" in expired["detail"]
    english = c.get("/api/v1/notes", headers={**svc.headers("t1", ttl_s=-10), "Accept-Language": "en"}).json()
    assert "expired" in english["detail"]


def test_a_token_signed_by_another_key_is_refused(svc: ServiceUnderTest) -> None:
    from smartdist.auth.keys import generate_pem_pair
    from smartdist.auth.tokens import TokenSigner

    other = generate_pem_pair().private_pem
    assert other is not None
    forged, _ = TokenSigner(other).issue(kind="user", subject="x", tenant_id="t1", roles=["owner"], ttl_s=60)
    assert svc.client.get("/api/v1/notes", headers={"Authorization": f"Bearer {forged}"}).status_code == 401


def test_wrong_role_gets_403_problem_json(svc: ServiceUnderTest) -> None:
    r = svc.client.get("/api/v1/notes", headers=svc.headers("t1", roles=["driver"]))
    assert r.status_code == 403 and r.headers["content-type"].startswith(PROBLEM)
    assert "clerk" in r.json()["detail"]
    consumer = svc.client.get("/api/v1/notes", headers=svc.headers(None, roles=["consumer"], kind="consumer"))
    assert consumer.status_code == 403


def test_validation_errors_are_422_problem_json_with_locations(svc: ServiceUnderTest) -> None:
    r = svc.client.post("/api/v1/notes", json={"text": "", "extra": 1}, headers=svc.headers("t1"))
    assert r.status_code == 422 and r.headers["content-type"].startswith(PROBLEM)
    locs = [e["loc"] for e in r.json()["errors"]]
    assert ["body", "text"] in locs and ["body", "extra"] in locs


def test_tenant_b_cannot_read_tenant_a_notes(svc: ServiceUnderTest) -> None:
    a, b = svc.headers("tenant-a"), svc.headers("tenant-b")
    note = svc.client.post("/api/v1/notes", json={"text": "secret"}, headers=a).json()
    assert svc.client.get(f"/api/v1/notes/{note['id']}", headers=b).status_code == 404
    assert svc.client.get("/api/v1/notes", headers=b).json()["items"] == []
    assert svc.client.get(f"/api/v1/notes/{note['id']}", headers=a).status_code == 200


def test_retry_with_same_idempotency_key_creates_nothing(svc: ServiceUnderTest) -> None:
    h = {**svc.headers("t1"), "Idempotency-Key": "order-42"}
    first = svc.client.post("/api/v1/notes", json={"text": "once"}, headers=h)
    again = svc.client.post("/api/v1/notes", json={"text": "once"}, headers=h)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert len(svc.client.get("/api/v1/notes", headers=h).json()["items"]) == 1
    other = svc.client.post("/api/v1/notes", json={"text": "different"}, headers=h)
    assert other.status_code == 422 and other.headers["content-type"].startswith(PROBLEM)


def test_retried_upload_with_same_key_is_replayed_despite_a_new_boundary(svc: ServiceUnderTest) -> None:
    h = {**svc.headers("t1"), "Idempotency-Key": "sheet-1"}
    # httpx picks a fresh multipart boundary per request, as a browser or integrator retry would.
    first = svc.client.post("/api/v1/notes/upload", files={"file": ("a.txt", b"one\ntwo\n")}, headers=h)
    again = svc.client.post("/api/v1/notes/upload", files={"file": ("a.txt", b"one\ntwo\n")}, headers=h)
    assert first.status_code == again.status_code == 201, first.text
    assert again.headers["idempotent-replayed"] == "true" and again.json() == {"created": 2}
    assert len(svc.client.get("/api/v1/notes", headers=h).json()["items"]) == 2
    other = svc.client.post("/api/v1/notes/upload", files={"file": ("a.txt", b"three\n")}, headers=h)
    assert other.status_code == 422


def test_idempotency_keys_are_per_tenant(svc: ServiceUnderTest) -> None:
    for tenant in ("t1", "t2"):
        h = {**svc.headers(tenant), "Idempotency-Key": "same"}
        assert svc.client.post("/api/v1/notes", json={"text": "x"}, headers=h).status_code == 201
        assert len(svc.client.get("/api/v1/notes", headers=h).json()["items"]) == 1


def test_concurrent_retries_with_one_key_create_one_document(svc: ServiceUnderTest) -> None:
    from concurrent.futures import ThreadPoolExecutor

    h = {**svc.headers("t1"), "Idempotency-Key": "burst"}
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: svc.client.post("/api/v1/notes", json={"text": "b"}, headers=h), range(6)))
    assert {r.status_code for r in answers} == {201}
    assert len({r.json()["id"] for r in answers}) == 1
    assert len(svc.client.get("/api/v1/notes", headers=h).json()["items"]) == 1


def test_cursor_pagination_walks_every_row_once(svc: ServiceUnderTest) -> None:
    h = svc.headers("t1")
    for i in range(7):
        svc.client.post("/api/v1/notes", json={"text": f"n{i}"}, headers=h)
    seen, cursor = [], None
    while True:
        page = svc.client.get(
            "/api/v1/notes", params={"limit": 3, **({"cursor": cursor} if cursor else {})}, headers=h
        ).json()
        seen += [n["text"] for n in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"n{i}" for i in range(7)]
    bad = svc.client.get("/api/v1/notes", params={"cursor": "!!"}, headers=h)
    assert bad.status_code == 422


def test_kpi_log_summary_codes_and_baselines(svc: ServiceUnderTest) -> None:
    h = svc.headers("t1")
    for i in range(3):
        svc.client.post("/api/v1/notes", json={"text": f"n{i}"}, headers=h)
    svc.client.post("/api/v1/notes", json={"text": "other tenant"}, headers=svc.headers("t2"))
    summary = svc.client.get("/api/v1/kpi/summary", headers=h).json()
    assert summary["kpis"][0]["value"] == 3 and summary["kpis"][0]["met"] is False
    csv_text = svc.client.get("/api/v1/kpi/logs", params={"format": "csv"}, headers=h).text
    lines = csv_text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("tenant_id,service,doc_type,doc_no") and len(lines) == 4
    jsonl = svc.client.get("/api/v1/kpi/logs", headers=h).text.splitlines()
    assert len(jsonl) == 3
    future = svc.client.get("/api/v1/kpi/logs", params={"from": "2999-01-01"}, headers=h).text
    assert future == ""
    assert svc.client.get("/api/v1/kpi/logs", params={"from": "yesterday"}, headers=h).status_code == 422
    assert svc.client.get("/api/v1/kpi/codes", headers=h).json()["statuses"][0]["code"] == "created"
    assert svc.client.put("/api/v1/kpi/baselines/nope", json={"value": 1}, headers=h).status_code == 404


def _wait_job(svc: ServiceUnderTest, job_id: str, headers: dict[str, str]) -> dict[str, Any]:
    deadline = time.time() + 30
    while time.time() < deadline:
        job: dict[str, Any] = svc.client.get(f"/api/v1/jobs/{job_id}", headers=headers).json()
        if job["status"] in ("succeeded", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError("job did not finish")


def test_job_runs_in_background_and_reports_result(svc: ServiceUnderTest) -> None:
    h = svc.headers("t1")
    svc.client.post("/api/v1/notes", json={"text": "x"}, headers=h)
    started = svc.client.post("/api/v1/notes/count-job", headers=h)
    assert started.status_code == 202
    job = _wait_job(svc, started.json()["job_id"], h)
    assert job["status"] == "succeeded" and job["progress"] == 1.0 and job["result"] == {"notes": 1}
    assert svc.client.get(f"/api/v1/jobs/{job['id']}", headers=svc.headers("t2")).status_code == 404


def test_failed_job_reports_its_error(svc: ServiceUnderTest) -> None:
    h = svc.headers("t1")
    job = _wait_job(svc, svc.client.post("/api/v1/notes/count-job?fail=true", headers=h).json()["job_id"], h)
    assert job["status"] == "failed" and "asked to fail" in job["error"]
    assert set(job) >= {"id", "status", "progress", "error"}
