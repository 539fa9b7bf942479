"""A revocation recorded by the consumer while a request reloads the list never deadlocks."""

from __future__ import annotations

import threading
import time

from smartdist.auth.revocation import RevocationList, RevokedToken, record_revocation
from smartdist.db import Database
from smartdist.migrate import upgrade


def test_consumer_holding_the_write_lock_and_a_reloading_request_both_finish(tmp_path) -> None:  # type: ignore[no-untyped-def]
    database = Database(f"sqlite:///{tmp_path / 'svc.db'}")
    upgrade(database, None, None)
    revocations = RevocationList(database, refresh_s=0.0)  # every check reloads, as after 5 s idle
    outcome: dict[str, object] = {}

    def consumer() -> None:
        # The consumer's transaction holds SQLite's write lock while its handler runs.
        with database.system_transaction() as session:
            record_revocation(session, "jti-1")
            session.flush()
            time.sleep(0.5)  # a request's reload starts meanwhile and waits for the database
            revocations.add_local("jti-1")
        outcome["consumer"] = "done"

    def request() -> None:
        time.sleep(0.1)
        outcome["revoked"] = revocations.is_revoked("jti-1")

    threads = [threading.Thread(target=consumer), threading.Thread(target=request)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert outcome.get("consumer") == "done" and time.monotonic() - started < 5
    assert revocations.is_revoked("jti-1")
    with database.system_session() as session:
        assert session.get(RevokedToken, "jti-1") is not None
    database.dispose()
