"""Request-scoped dependencies: the runtime, the tenant's session, idempotency."""

from __future__ import annotations

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


def tenant_db(request: Request, principal: TenantPrincipal) -> Iterator[ScopedSession]:
    """The request owns the transaction: commit when the handler returns, roll back if it raises."""
    database = get_runtime(request).database
    with database.tenant_session(str(principal.tenant_id)) as session, session.begin():
        yield session


def system_db(request: Request) -> Iterator[ScopedSession]:
    """For public endpoints that resolve the tenant themselves (webhooks, consumer pages)."""
    with get_runtime(request).database.system_session() as session, session.begin():
        yield session


# scope="function": commit before the response is sent, so a failed commit is the caller's error.
DbSession = Annotated[ScopedSession, Depends(tenant_db, scope="function")]
SystemDbSession = Annotated[ScopedSession, Depends(system_db, scope="function")]


async def _request_body(request: Request) -> bytes:
    return await request.body()


def idempotency(request: Request, session: DbSession, body: Annotated[bytes, Depends(_request_body)]) -> Idempotency:
    endpoint = f"{request.method} {request.url.path}"
    return Idempotency(session, request.headers.get(HEADER), endpoint, canonical_body(body))


IdempotencyDep = Annotated[Idempotency, Depends(idempotency)]
