"""Fixtures every smartdist test suite can use (registered from the root conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from smartdist.db import Database
from smartdist.testing.servers import postgres_available, redis_available, throwaway_schema

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(params=BACKENDS)
def db_backend(request: pytest.FixtureRequest) -> str:
    """Parametrises a storage test over SQLite and PostgreSQL."""
    return str(request.param)


@pytest.fixture
def database_url_and_schema(db_backend: str, tmp_path: Path) -> Iterator[tuple[str, str | None]]:
    if db_backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}", None
        return
    url = postgres_available()
    with throwaway_schema(url) as schema:
        yield url, schema


@pytest.fixture
def empty_database(database_url_and_schema: tuple[str, str | None]) -> Iterator[Database]:
    """A Database on a fresh SQLite file or a fresh PostgreSQL schema, with no tables."""
    url, schema = database_url_and_schema
    db = Database(url, schema=schema)
    yield db
    db.dispose()


@pytest.fixture
def redis_url() -> str:
    return redis_available()


@pytest.fixture
def shared_data_dir() -> Path:
    """The read-only data folder that lies beside the project (../shared/data)."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / ".." / "shared" / "data"
        if (parent / "services").is_dir() and candidate.is_dir():
            return candidate.resolve()
    pytest.fail("../shared/data not found beside the project")
    raise AssertionError


@pytest.fixture
def service_factory(database_url_and_schema: tuple[str, str | None], tmp_path: Path):  # type: ignore[no-untyped-def]
    """``with service_factory(DEFINITION) as svc:`` — the service on SQLite and on PostgreSQL."""
    from smartdist.testing.platform import service_under_test

    url, schema = database_url_and_schema

    def start(definition, **kw):  # type: ignore[no-untyped-def]
        return service_under_test(definition, url, schema, tmp_path / "data", **kw)

    return start
