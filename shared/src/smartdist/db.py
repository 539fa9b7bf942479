"""Database engines, sessions and tenant scoping for SQLite (embedded) and PostgreSQL.

Tenant isolation is enforced by the session, not by each query remembering a filter: every
session is opened either for one tenant or explicitly as a system session. In a tenant session
every ORM SELECT / UPDATE / DELETE touching a :class:`TenantScoped` table gets
``tenant_id = :tenant`` added, and a flush refuses rows of another tenant. A session opened
with neither refuses to run ORM statements at all.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy import DateTime, MetaData, String, create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    ORMExecuteState,
    Session,
    mapped_column,
    sessionmaker,
    with_loader_criteria,
)
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

log = structlog.get_logger(__name__)

TENANT_KEY = "smartdist.tenant_id"
SYSTEM_KEY = "smartdist.system"
READ_ONLY_KEY = "smartdist.read_only"
# Execution option read by the SQLite "begin" hook: DEFERRED or IMMEDIATE (the default).
BEGIN_OPTION = "smartdist_sqlite_begin"
# How long a SQLite writer waits for the write lock before "database is locked" (then a 503).
DEFAULT_BUSY_TIMEOUT_S = 10.0


def is_database_busy(exc: BaseException) -> bool:
    """SQLite's "database is locked" / "database table is locked" (SQLITE_BUSY / SQLITE_LOCKED)."""
    text_ = str(getattr(exc, "orig", exc)).lower()
    return "database is locked" in text_ or "database table is locked" in text_ or "database is busy" in text_


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    """32 hex characters that sort by creation time (like UUIDv7): good keys for keyset pages."""
    return f"{time.time_ns() // 1_000_000:012x}{secrets.token_hex(10)}"


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes on every backend (SQLite keeps no offset; we store UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; smartdist stores aware datetimes only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class PlatformBase(DeclarativeBase):
    """Tables every service database carries (outbox, KPI log, jobs, idempotency keys...)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def make_base(name: str) -> type[DeclarativeBase]:
    """A throwaway declarative base for tests. Services declare ``class Base(DeclarativeBase)``
    with ``MetaData(naming_convention=NAMING_CONVENTION)`` so type checkers see a real class."""
    return type(name, (DeclarativeBase,), {"metadata": MetaData(naming_convention=NAMING_CONVENTION)})


class TenantScoped:
    """Mixin for every table of business data: the row belongs to exactly one tenant."""

    tenant_id: Mapped[str] = mapped_column(String(32), index=True)


class TenantScopeMissing(RuntimeError):
    """An ORM statement ran in a session opened for no tenant and not as a system session."""


class CrossTenantWrite(RuntimeError):
    """A flush tried to write a row that belongs to a tenant other than the session's."""


class ScopedSession(Session):
    """Session class whose ORM statements are scoped to ``info[TENANT_KEY]``."""

    @property
    def tenant_id(self) -> str | None:
        return self.info.get(TENANT_KEY)


@event.listens_for(ScopedSession, "do_orm_execute")
def _scope_to_tenant(state: ORMExecuteState) -> None:
    session = state.session
    if session.info.get(SYSTEM_KEY):
        return
    tenant = session.info.get(TENANT_KEY)
    if tenant is None:
        raise TenantScopeMissing("session opened without a tenant; use Database.tenant_session() or system_session()")
    if state.is_select or state.is_update or state.is_delete:
        state.statement = state.statement.options(
            with_loader_criteria(
                TenantScoped,
                lambda cls: cls.tenant_id == tenant,
                include_aliases=True,
            )
        )


@event.listens_for(ScopedSession, "before_flush")
def _warn_write_in_read_only(session: Session, flush_context: Any, instances: Any) -> None:
    if session.info.get(READ_ONLY_KEY) and (session.new or session.dirty or session.deleted):
        # Allowed, but on SQLite such a write cannot wait for the lock: it fails at once under
        # contention (503). Writes belong in POST/PUT/PATCH/DELETE handlers.
        log.warning("write_in_read_only_session", rows=len(session.new) + len(session.dirty) + len(session.deleted))


@event.listens_for(ScopedSession, "before_flush")
def _stamp_tenant(session: Session, flush_context: Any, instances: Any) -> None:
    if session.info.get(SYSTEM_KEY):
        return
    tenant = session.info.get(TENANT_KEY)
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if not isinstance(obj, TenantScoped):
            continue
        if tenant is None:
            raise TenantScopeMissing("cannot write tenant data in a session without a tenant")
        if obj.tenant_id is None:
            obj.tenant_id = tenant
        elif obj.tenant_id != tenant:
            raise CrossTenantWrite(f"{type(obj).__name__} of another tenant cannot be written here")


class Database:
    """One service's engine and session factory.

    On PostgreSQL the service lives in its own schema (``search_path``), so one server database
    can hold all six services without any of them seeing another's tables.
    """

    def __init__(
        self, url: str, *, schema: str | None = None, echo: bool = False, busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S
    ) -> None:
        self.url = url
        self.busy_timeout_s = busy_timeout_s
        # Copied into every session's ``info``: lets deep code reach e.g. the job dispatcher.
        self.info: dict[str, Any] = {}
        self.is_sqlite = url.startswith("sqlite")
        self.schema = None if self.is_sqlite else schema
        self.engine = self._create_engine(url, echo)
        self._sessions = sessionmaker(bind=self.engine, class_=ScopedSession, expire_on_commit=False, autoflush=True)
        # Read-only sessions share the pool; on SQLite their transactions begin DEFERRED
        # (WAL readers take no lock), everything else begins IMMEDIATE. See docs/adr/0004.
        self.read_engine = self.engine.execution_options(**{BEGIN_OPTION: "DEFERRED"})
        self._read_sessions = sessionmaker(
            bind=self.read_engine, class_=ScopedSession, expire_on_commit=False, autoflush=True
        )

    def _create_engine(self, url: str, echo: bool) -> Engine:
        if self.is_sqlite:
            busy_ms = int(self.busy_timeout_s * 1000)
            engine = create_engine(
                url, echo=echo, connect_args={"check_same_thread": False, "timeout": self.busy_timeout_s}
            )

            @event.listens_for(engine, "connect")
            def _sqlite_pragmas(dbapi_conn: Any, record: Any) -> None:
                # Let SQLAlchemy, not pysqlite, decide when a transaction begins (see "begin").
                dbapi_conn.isolation_level = None
                cur = dbapi_conn.cursor()
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA foreign_keys=ON")
                cur.execute(f"PRAGMA busy_timeout={busy_ms}")
                cur.close()

            @event.listens_for(engine, "begin")
            def _sqlite_begin(conn: Any) -> None:
                # IMMEDIATE takes the write lock up front: two clerks reserving the last item
                # queue behind each other instead of both reading "1 left". A read-only session
                # begins DEFERRED: in WAL mode it reads a snapshot and never waits for a writer.
                mode = conn.get_execution_options().get(BEGIN_OPTION, "IMMEDIATE")
                conn.exec_driver_sql(f"BEGIN {mode}")

            return engine
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        connect_args: dict[str, Any] = {}
        if self.schema:
            connect_args["options"] = f"-csearch_path={self.schema}"
        return create_engine(
            url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20, connect_args=connect_args
        )

    def ensure_schema(self) -> None:
        if self.schema:
            with self.engine.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"'))

    def tenant_session(self, tenant_id: str, *, read_only: bool = False) -> ScopedSession:
        """``read_only=True`` for sessions that only read (GET requests): on SQLite they never
        wait for the write lock. Such a session can still write, but on SQLite that write fails
        at once with "database is locked" (answered 503) if another writer got there first."""
        if not tenant_id:
            raise TenantScopeMissing("tenant_session() needs a tenant id")
        session = self._new_session(read_only)
        session.info[TENANT_KEY] = tenant_id
        return session

    def system_session(self, *, read_only: bool = False) -> ScopedSession:
        """A session that sees every tenant: for relays, consumers, migrations, the CLI."""
        session = self._new_session(read_only)
        session.info[SYSTEM_KEY] = True
        return session

    def _new_session(self, read_only: bool) -> ScopedSession:
        session = (self._read_sessions if read_only else self._sessions)()
        session.info.update(self.info)
        session.info[READ_ONLY_KEY] = read_only
        return session

    @contextmanager
    def tenant_transaction(self, tenant_id: str, *, read_only: bool = False) -> Iterator[ScopedSession]:
        with self.tenant_session(tenant_id, read_only=read_only) as session, session.begin():
            yield session

    @contextmanager
    def system_transaction(self, *, read_only: bool = False) -> Iterator[ScopedSession]:
        with self.system_session(read_only=read_only) as session, session.begin():
            yield session

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()
