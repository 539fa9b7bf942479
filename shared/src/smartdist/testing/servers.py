"""Reaching the real PostgreSQL and Redis servers from tests."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

POSTGRES_URL = os.environ.get("SMARTDIST_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("SMARTDIST_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def unavailable(what: str, why: object) -> None:
    """CI must exercise the real servers: there an unreachable one is a failure, not a skip."""
    message = f"{what} is not reachable ({why})"
    if os.environ.get("CI"):
        pytest.fail(message + "; CI must run the real-backend tests", pytrace=False)
    pytest.skip(message)


def postgres_available() -> str:
    import sqlalchemy

    engine = sqlalchemy.create_engine(POSTGRES_URL)
    try:
        with engine.connect() as conn:
            conn.execute(sqlalchemy.text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any connection failure means "not reachable"
        unavailable("PostgreSQL", exc)
    finally:
        engine.dispose()
    return POSTGRES_URL


def redis_available() -> str:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except Exception as exc:  # noqa: BLE001
        unavailable("Redis", exc)
    finally:
        client.close()
    return REDIS_URL


@contextmanager
def throwaway_schema(url: str) -> Iterator[str]:
    """A fresh PostgreSQL schema for one test, dropped afterwards."""
    import sqlalchemy

    name = "t_" + uuid.uuid4().hex[:12]
    engine = sqlalchemy.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sqlalchemy.text(f'CREATE SCHEMA "{name}"'))
    try:
        yield name
    finally:
        with engine.connect() as conn:
            conn.execute(sqlalchemy.text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        engine.dispose()


@contextmanager
def throwaway_database(url: str) -> Iterator[str]:
    """A fresh PostgreSQL database (for tests that run several services, each in its own schema)."""
    import sqlalchemy

    name = "smartdist_t_" + uuid.uuid4().hex[:10]
    admin = sqlalchemy.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
    try:
        yield str(sqlalchemy.engine.make_url(url).set(database=name).render_as_string(hide_password=False))
    finally:
        with admin.connect() as conn:
            conn.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
