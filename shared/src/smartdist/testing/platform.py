"""A service under test: its runtime on SQLite or PostgreSQL, a TestClient, and token helpers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from smartdist.auth.keys import generate_pem_pair
from smartdist.auth.tokens import PrincipalKind, TokenSigner
from smartdist.config import PlatformSettings
from smartdist.db import Database, new_id
from smartdist.runtime import ServiceRuntime
from smartdist.service import ServiceDefinition


@dataclass
class ServiceUnderTest:
    runtime: ServiceRuntime
    client: TestClient
    signer: TokenSigner

    @property
    def database(self) -> Database:
        return self.runtime.database

    def token(
        self,
        tenant_id: str | None,
        roles: Iterable[str] = ("owner",),
        *,
        kind: PrincipalKind = "user",
        ttl_s: int | None = 3600,
        subject: str = "test-user",
    ) -> str:
        token, _ = self.signer.issue(kind=kind, subject=subject, tenant_id=tenant_id, roles=roles, ttl_s=ttl_s)
        return token

    def headers(self, tenant_id: str | None, roles: Iterable[str] = ("owner",), **kw: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(tenant_id, roles, **kw)}"}

    @staticmethod
    def new_tenant() -> str:
        return new_id()


@contextmanager
def service_under_test(
    definition: ServiceDefinition,
    url: str,
    schema: str | None,
    data_dir: Path,
    *,
    background: bool = False,
    settings: dict[str, Any] | None = None,
) -> Iterator[ServiceUnderTest]:
    """Start the service (migrations included) on the given database; stop it afterwards."""
    from smartdist.web.app import create_service_app

    pair = generate_pem_pair()
    assert pair.private_pem is not None
    platform = PlatformSettings(
        data_dir=data_dir,
        run_background=background,
        log_json=False,
        auth_private_key=pair.private_pem,
        auth_public_key=pair.public_pem,
        jobs_backend="inprocess",
        bus_backend="embedded",
        **(settings or {}),
    )
    database = Database(url, schema=schema)
    runtime = ServiceRuntime(definition, platform, database=database)
    app = create_service_app(runtime)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield ServiceUnderTest(runtime, client, TokenSigner(pair.private_pem))
