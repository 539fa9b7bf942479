"""Each request leaves one structured log line with its request id, route and tenant."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from structlog.contextvars import merge_contextvars
from structlog.testing import capture_logs

from smartdist.testing.platform import ServiceUnderTest, service_under_test
from smartdist.testing.sample import SAMPLE, SampleBase


@pytest.fixture
def svc(tmp_path) -> Iterator[ServiceUnderTest]:  # type: ignore[no-untyped-def]
    with service_under_test(SAMPLE, f"sqlite:///{tmp_path / 'l.db'}", None, tmp_path / "d") as started:
        SampleBase.metadata.create_all(started.database.engine)
        yield started


def test_request_log_line_carries_request_id_route_and_tenant(svc: ServiceUnderTest) -> None:
    with capture_logs(processors=[merge_contextvars]) as logs:
        r = svc.client.get("/api/v1/notes", headers={**svc.headers("tenant-7"), "X-Request-ID": "req-123"})
    assert r.headers["x-request-id"] == "req-123"
    line = next(entry for entry in logs if entry["event"] == "request")
    assert line["request_id"] == "req-123" and line["tenant_id"] == "tenant-7"
    assert line["route"] == "/api/v1/notes" and line["status"] == 200 and line["service"] == "sample"


def test_a_request_without_an_id_gets_one(svc: ServiceUnderTest) -> None:
    r = svc.client.get("/healthz")
    assert len(r.headers["x-request-id"]) == 32
