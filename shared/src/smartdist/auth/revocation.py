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
    def __init__(self, database: Database, refresh_s: float = 5.0) -> None:
        self._database = database
        self._refresh_s = refresh_s
        self._revoked: frozenset[str] = frozenset()
        self._loaded_at = 0.0
        self._lock = threading.Lock()

    def is_revoked(self, jti: str) -> bool:
        if time.monotonic() - self._loaded_at > self._refresh_s:
            self.reload()
        return jti in self._revoked

    def reload(self) -> None:
        with self._lock:
            with self._database.system_session() as session:
                rows = session.scalars(select(RevokedToken.jti)).all()
            self._revoked = frozenset(rows)
            self._loaded_at = time.monotonic()

    def add_local(self, jti: str) -> None:
        with self._lock:
            self._revoked = self._revoked | {jti}


def record_revocation(session: Session, jti: str) -> None:
    """Bus handler body: remember a revoked token id (idempotent)."""
    if session.get(RevokedToken, jti) is None:
        session.add(RevokedToken(jti=jti))
