"""Revoked token ids, kept in each service's own database and learnt from the bus.

The identity side publishes ``smartdist.identity.token.revoked``; every service consumes it into
its ``revoked_token`` table. Replicas of a service share that table, so whichever replica's
consumer got the event, all of them refuse the token within ``refresh_s``.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from smartdist.db import Database, PlatformBase, UtcDateTime, utcnow

REVOKED_EVENT = "smartdist.identity.token.revoked"


class RevokedToken(PlatformBase):
    __tablename__ = "revoked_token"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    revoked_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class RevocationList:
    """Revoked token ids of this service: its table, reloaded every ``refresh_s``, plus the ids
    its own consumer has just recorded (so they count before the next reload).

    No lock is ever held across a database call: the consumer holds the database's write lock
    while it calls :meth:`add_local`, so a reload that waited for the database while holding a
    lock that ``add_local`` needs would deadlock the two threads until SQLite's busy timeout.
    """

    def __init__(self, database: Database, refresh_s: float = 5.0) -> None:
        self._database = database
        self._refresh_s = refresh_s
        self._stored: frozenset[str] = frozenset()
        self._local: frozenset[str] = frozenset()
        self._loaded_at = 0.0
        self._lock = threading.Lock()

    def is_revoked(self, jti: str) -> bool:
        if time.monotonic() - self._loaded_at > self._refresh_s:
            self.reload()
        return jti in self._stored or jti in self._local

    def reload(self) -> None:
        with self._database.system_session(read_only=True) as session:
            rows = frozenset(session.scalars(select(RevokedToken.jti)).all())
        # Assigning a new frozenset is atomic; readers see the old or the new set, never half.
        self._stored = rows
        self._loaded_at = time.monotonic()

    def add_local(self, jti: str) -> None:
        with self._lock:  # only guards the read-modify-write of _local; no I/O inside
            self._local = self._local | {jti}


def record_revocation(session: Session, jti: str) -> None:
    """Bus handler body: remember a revoked token id (idempotent)."""
    if session.get(RevokedToken, jti) is None:
        session.add(RevokedToken(jti=jti))
