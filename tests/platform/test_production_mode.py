"""The same demo code on PostgreSQL (a schema per service) and Redis Streams: services migrate,
answer, keep their data apart, and a revocation crosses the Redis bus to every service."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy
from fastapi.testclient import TestClient

from smartdist.catalog import SERVICE_ORDER
from smartdist.config import PlatformSettings
from smartdist.console import DEMO_EMAIL, DEMO_PASSWORD
from smartdist.demo import build_demo_app
from smartdist.testing.servers import postgres_available, redis_available, throwaway_database


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, str]]:
    pg, redis_url = postgres_available(), redis_available()
    with throwaway_database(pg) as url:
        settings = PlatformSettings(
            data_dir=tmp_path_factory.mktemp("prod"),
            database_url=url,
            redis_url=redis_url,
            bus_namespace=f"test-{uuid.uuid4().hex[:8]}:",
            jobs_backend="inprocess",
            log_json=False,
        )
        with TestClient(build_demo_app(settings), raise_server_exceptions=False) as client:
            yield client, url


def test_each_service_has_its_own_schema_and_answers(production: tuple[TestClient, str]) -> None:
    client, url = production
    engine = sqlalchemy.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        schemas = set(conn.scalars(sqlalchemy.text("SELECT schema_name FROM information_schema.schemata")))
        kpi_tables = set(
            conn.scalars(
                sqlalchemy.text("SELECT table_schema FROM information_schema.tables WHERE table_name = 'kpi_record'")
            )
        )
    engine.dispose()
    expected = {name.replace("-", "_") for name in SERVICE_ORDER}
    assert expected | {"identity"} <= schemas
    assert expected <= kpi_tables
    for name in SERVICE_ORDER:
        ready = client.get(f"/{name}/readyz").json()
        assert ready["checks"] == {"database": "ok", "bus": "ok"}, name


def test_revocation_crosses_redis_to_every_service(production: tuple[TestClient, str]) -> None:
    client, _ = production
    token = client.post("/api/v1/auth/token", json={"email": DEMO_EMAIL, "password": DEMO_PASSWORD}).json()
    owner = {"Authorization": f"Bearer {token['access_token']}"}
    created = client.post("/api/v1/api-keys", json={"name": "pos"}, headers=owner).json()
    key = {"Authorization": f"Bearer {created['api_key']}"}
    assert all(client.get(f"/{n}/api/v1/kpi/summary", headers=key).status_code == 200 for n in SERVICE_ORDER)
    client.delete(f"/api/v1/api-keys/{created['id']}", headers=owner)
    deadline, refused = time.time() + 20, set[str]()
    while time.time() < deadline and len(refused) < len(SERVICE_ORDER):
        refused |= {n for n in SERVICE_ORDER if client.get(f"/{n}/api/v1/kpi/summary", headers=key).status_code == 401}
        time.sleep(0.2)
    assert refused == set(SERVICE_ORDER)
