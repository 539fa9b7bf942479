"""A new Idempotency-Key costs two statements (insert before the work, answer after it); a retry
reads the stored answer and does no work."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import event

from smartdist.testing.platform import ServiceUnderTest
from smartdist.testing.sample import SAMPLE, SampleBase


@pytest.fixture
def svc(service_factory) -> Iterator[ServiceUnderTest]:  # type: ignore[no-untyped-def]
    with service_factory(SAMPLE) as started:
        SampleBase.metadata.create_all(started.database.engine)
        yield started


def test_a_new_key_is_one_insert_and_one_update_and_a_retry_replays(svc: ServiceUnderTest) -> None:
    statements: list[str] = []

    def seen(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(" ".join(statement.split()).upper())

    h = {**svc.headers("t1"), "Idempotency-Key": "note-1"}
    event.listen(svc.database.engine, "before_cursor_execute", seen)
    try:
        first = svc.client.post("/api/v1/notes", json={"text": "once"}, headers=h)
    finally:
        event.remove(svc.database.engine, "before_cursor_execute", seen)
    assert first.status_code == 201
    keyed = [s for s in statements if "IDEMPOTENCY_KEY" in s]
    assert len(keyed) == 2, keyed
    assert keyed[0].startswith("INSERT INTO IDEMPOTENCY_KEY") and "ON CONFLICT" in keyed[0]
    assert keyed[1].startswith("UPDATE IDEMPOTENCY_KEY")
    assert not any(s.startswith("SAVEPOINT") for s in statements)
    again = svc.client.post("/api/v1/notes", json={"text": "once"}, headers=h)
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    # the same key with another body is still refused
    assert svc.client.post("/api/v1/notes", json={"text": "other"}, headers=h).status_code == 422
    assert len(svc.client.get("/api/v1/notes", headers=h).json()["items"]) == 1
