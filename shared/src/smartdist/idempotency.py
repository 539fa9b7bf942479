"""Idempotency-Key for POSTs that create business documents (SPEC §2).

The key row is inserted in the request's own transaction before the work is done, so a retry
racing the first request waits on the unique index (PostgreSQL) or the write lock (SQLite) and
then finds the first request's stored answer instead of creating a second document.

A new key costs two statements: ``INSERT ... ON CONFLICT DO NOTHING RETURNING id`` before the
work and an ``UPDATE`` with the answer after it (a retry reads the stored row instead).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlalchemy import JSON, BigInteger, Integer, String, UniqueConstraint, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from smartdist.db import TENANT_KEY, PlatformBase, TenantScoped, UtcDateTime, utcnow
from smartdist.problems import Unprocessable

HEADER = "Idempotency-Key"


class IdempotencyKey(TenantScoped, PlatformBase):
    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("tenant_id", "key", name="uq_idempotency_key_tenant_key"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    endpoint: Mapped[str] = mapped_column(String(300))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    response: Mapped[Any] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class IdempotencyKeyReused(Unprocessable):
    title = "Idempotency-Key reused with a different request"


class Idempotency:
    """Per-request handle: ``replay`` holds the first answer when this is a retry."""

    def __init__(self, session: Session, key: str | None, endpoint: str, body: bytes) -> None:
        self.session = session
        self.key = key
        self.replay: JSONResponse | None = None
        self._row: IdempotencyKey | None = None
        self._row_id: int | None = None
        if key is None:
            return
        if not 1 <= len(key) <= 200:
            raise Unprocessable(
                "Idempotency-Key must be 1-200 characters",
                code="idempotency.key_length",
                errors=[{"loc": ["header", HEADER], "code": "idempotency.key_length", "message": "1-200 characters"}],
            )
        digest = hashlib.sha256(endpoint.encode() + b"\n" + body).hexdigest()
        existing: IdempotencyKey | None = None
        if self._upsert_supported():
            for _ in range(3):  # a conflicting row may vanish (its cleanup) before we read it
                self._row_id = self._insert_new(key, endpoint, digest)
                if self._row_id is not None:
                    return
                existing = self._find(key)
                if existing is not None:
                    break
        else:
            existing = self._find(key)
        if existing is None:
            row = IdempotencyKey(key=key, endpoint=endpoint, request_hash=digest)
            try:
                with session.begin_nested():
                    session.add(row)
                    session.flush()
                self._row = row
                return
            except IntegrityError:
                existing = self._find(key)
                if existing is None:
                    raise
        if existing.request_hash != digest:
            raise IdempotencyKeyReused(
                f"Idempotency-Key '{key}' was first used for another request; use a new key.",
                code="idempotency.key_reused",
                params={"key": key},
                errors=[
                    {
                        "loc": ["header", HEADER],
                        "code": "idempotency.key_reused",
                        "message": "key already used for a different request",
                    }
                ],
            )
        self.replay = JSONResponse(
            existing.response,
            status_code=existing.status_code or 200,
            headers={"Idempotent-Replayed": "true"},
        )

    def _upsert_supported(self) -> bool:
        dialect = self.session.get_bind().dialect.name
        return dialect in ("postgresql", "sqlite") and self.session.info.get(TENANT_KEY) is not None

    def _insert_new(self, key: str, endpoint: str, digest: str) -> int | None:
        """The new row's id, or None when the tenant already has the key.

        On PostgreSQL a concurrent insert of the same key waits for the first transaction: if it
        commits, this one conflicts and reads its answer; if it rolls back, this one inserts.
        """
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = (
            insert(IdempotencyKey)
            .values(
                key=key,
                endpoint=endpoint,
                request_hash=digest,
                tenant_id=str(self.session.info[TENANT_KEY]),
                created_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["tenant_id", "key"])
            .returning(IdempotencyKey.id)
        )
        new_id: int | None = self.session.execute(stmt).scalar()
        return new_id

    def _find(self, key: str) -> IdempotencyKey | None:
        return self.session.scalar(select(IdempotencyKey).where(IdempotencyKey.key == key))

    def save(self, status_code: int, body: Any) -> JSONResponse:
        """Remember the answer with the key (same transaction as the document) and return it."""
        payload = jsonable_encoder(body)
        if self._row_id is not None:
            self.session.execute(
                update(IdempotencyKey)
                .where(IdempotencyKey.id == self._row_id)
                .values(status_code=status_code, response=payload)
                .execution_options(synchronize_session=False)
            )
        elif self._row is not None:
            self._row.status_code = status_code
            self._row.response = payload
            self.session.flush()
        return JSONResponse(payload, status_code=status_code)


def canonical_body(raw: bytes) -> bytes:
    """JSON bodies compare by content, not by whitespace or key order."""
    try:
        return json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, UnicodeDecodeError):
        return raw
