"""Request-scoped dependencies: the runtime, the tenant's session, idempotency."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Path, Request

from smartdist.auth.deps import TenantPrincipal
from smartdist.db import ScopedSession
from smartdist.idempotency import HEADER, Idempotency, canonical_body

if TYPE_CHECKING:
    from smartdist.runtime import ServiceRuntime


MAX_BIGINT = 2**63 - 1
# Integer ids in paths: an id the database cannot hold is a 422, not an overflow deep in the driver.
IntId = Annotated[int, Path(ge=1, le=MAX_BIGINT)]


def get_runtime(request: Request) -> ServiceRuntime:
    return request.app.state.runtime  # type: ignore[no-any-return]


Runtime = Annotated["ServiceRuntime", Depends(get_runtime)]


# Requests that by HTTP's rules change nothing: their sessions read without the write lock.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def reads_only(request: Request) -> bool:
    """GET/HEAD/OPTIONS sessions begin deferred on SQLite (docs/adr/0004-sqlite-read-sessions.md)."""
    return request.method in SAFE_METHODS


def tenant_db(request: Request, principal: TenantPrincipal) -> Iterator[ScopedSession]:
    """The request owns the transaction: commit when the handler returns, roll back if it raises."""
    database = get_runtime(request).database
    with (
        database.tenant_session(str(principal.tenant_id), read_only=reads_only(request)) as session,
        session.begin(),
    ):
        yield session


def system_db(request: Request) -> Iterator[ScopedSession]:
    """For public endpoints that resolve the tenant themselves (webhooks, consumer pages)."""
    database = get_runtime(request).database
    with database.system_session(read_only=reads_only(request)) as session, session.begin():
        yield session


# scope="function": commit before the response is sent, so a failed commit is the caller's error.
DbSession = Annotated[ScopedSession, Depends(tenant_db, scope="function")]
SystemDbSession = Annotated[ScopedSession, Depends(system_db, scope="function")]


async def _request_fingerprint(request: Request) -> bytes:
    """What makes two requests "the same" for Idempotency-Key.

    JSON bodies compare by content. Form and multipart bodies compare by their fields and the
    bytes of their files: a retried upload gets a new multipart boundary, and FastAPI has already
    consumed the stream to parse the form (it caches the parsed form, not the raw body).
    """
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        form = await request.form()
        parts: list[str] = []
        for key, value in sorted(form.multi_items(), key=lambda item: item[0]):
            if isinstance(value, str):
                parts.append(f"{key}={value}")
            else:
                await value.seek(0)  # a dependency may have read the file already
                data = await value.read()
                await value.seek(0)
                parts.append(f"{key}:file:{value.filename}:{hashlib.sha256(data).hexdigest()}")
        return "\n".join(parts).encode()
    return canonical_body(await request.body())


def idempotency(
    request: Request, session: DbSession, fingerprint: Annotated[bytes, Depends(_request_fingerprint)]
) -> Idempotency:
    endpoint = f"{request.method} {request.url.path}"
    return Idempotency(session, request.headers.get(HEADER), endpoint, fingerprint)


IdempotencyDep = Annotated[Idempotency, Depends(idempotency)]
