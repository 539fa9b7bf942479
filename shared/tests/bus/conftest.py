"""Bus fixtures: every bus test runs on the embedded backend AND on Redis."""

from __future__ import annotations

import contextlib
import socket
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import urlparse

import pytest
from sqlalchemy import Integer, MetaData, String, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from smartdist.bus.backends import BusBackend
from smartdist.bus.backends.embedded import EmbeddedBusBackend
from smartdist.bus.backends.redis import RedisBusBackend
from smartdist.bus.envelope import CloudEvent
from smartdist.bus.models import create_bus_tables
from smartdist.db import NAMING_CONVENTION, Database, TenantScoped

BUS_KINDS = ["embedded", "redis"]


class EffectBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ParcelScanned(EffectBase, TenantScoped):
    """The observable effect of the test handler: one row per handled event."""

    __tablename__ = "parcel_scanned"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    parcel_no: Mapped[str] = mapped_column(String(40))


def record_parcel_scan(session: Session, event: CloudEvent) -> None:
    session.add(ParcelScanned(parcel_no=event.data["parcel_no"]))


def scans_of(database: Database, parcel_no: str | None = None) -> int:
    with database.system_transaction() as session:
        query = select(func.count()).select_from(ParcelScanned)
        if parcel_no is not None:
            query = query.where(ParcelScanned.parcel_no == parcel_no)
        return int(session.execute(query).scalar_one())


@pytest.fixture(params=BUS_KINDS)
def bus_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_bus(bus_kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Callable[[], BusBackend]]:
    """Opens backends on one bus (the same file / Redis namespace), as separate processes would."""
    opened: list[BusBackend] = []
    namespace = f"test-{uuid.uuid4().hex[:10]}:"
    url = request.getfixturevalue("redis_url") if bus_kind == "redis" else ""

    def open_backend() -> BusBackend:
        backend: BusBackend
        if bus_kind == "redis":
            backend = RedisBusBackend.from_url(url, namespace=namespace)
        else:
            backend = EmbeddedBusBackend(tmp_path / "bus.db", busy_timeout_ms=2000)
        opened.append(backend)
        return backend

    yield open_backend
    if bus_kind == "redis" and opened:
        cleaner = RedisBusBackend.from_url(url, namespace=namespace)
        cleaner.delete_namespace()
        cleaner.close()
    for backend in opened:
        backend.close()


@pytest.fixture
def backend(make_bus: Callable[[], BusBackend]) -> BusBackend:
    return make_bus()


@pytest.fixture
def bus_database(empty_database: Database) -> Database:
    """A fresh service database (SQLite or PostgreSQL) with the bus tables and the effect table."""
    empty_database.ensure_schema()
    create_bus_tables(empty_database.engine)
    EffectBase.metadata.create_all(empty_database.engine)
    return empty_database


class Outage(Protocol):
    def cut(self) -> None: ...
    def restore(self) -> None: ...


class RedisProxy:
    """A TCP proxy in front of Redis that a test can cut (connections refused) and restore."""

    def __init__(self, target_url: str) -> None:
        parsed = urlparse(target_url)
        self.target = (parsed.hostname or "127.0.0.1", parsed.port or 6379)
        self.db = parsed.path or "/0"
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self._listener: socket.socket | None = None
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        return self._listener is not None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}{self.db}"

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        listener.settimeout(0.05)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            client.settimeout(None)
            with self._lock:
                self._sockets += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


class EmbeddedFileLock:
    """Another process holding the embedded bus file's write lock: the bus is unusable."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None

    def cut(self) -> None:
        self._conn = sqlite3.connect(self.path, isolation_level=None)
        self._conn.execute("BEGIN EXCLUSIVE")

    def restore(self) -> None:
        if self._conn is not None:
            self._conn.execute("ROLLBACK")
            self._conn.close()
            self._conn = None


@dataclass
class BusWithOutage:
    backend: BusBackend
    outage: Outage


@pytest.fixture
def bus_with_outage(bus_kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[BusWithOutage]:
    """A bus the test can take down and bring back, with a backend that survives both."""
    if bus_kind == "redis":
        url = request.getfixturevalue("redis_url")
        proxy = RedisProxy(url)
        proxy.restore()
        backend = RedisBusBackend.from_url(proxy.url, namespace=f"test-{uuid.uuid4().hex[:10]}:")
        yield BusWithOutage(backend, proxy)
        if not proxy.is_open:
            proxy.restore()
        backend.delete_namespace()
        backend.close()
        proxy.cut()
        return
    path = tmp_path / "bus.db"
    embedded = EmbeddedBusBackend(path, busy_timeout_ms=300)
    embedded.ping()  # creates the file and its tables before anyone locks it
    lock = EmbeddedFileLock(path)
    yield BusWithOutage(embedded, lock)
    lock.restore()
    embedded.close()


SCANNED = "smartdist.wms.parcel.scanned"


@pytest.fixture
def scan_handlers() -> dict[str, Callable[[Session, CloudEvent], None]]:
    return {SCANNED: record_parcel_scan}


@pytest.fixture
def scan_model() -> type[ParcelScanned]:
    return ParcelScanned


@pytest.fixture
def count_scans(bus_database: Database) -> Callable[..., int]:
    def count(parcel_no: str | None = None) -> int:
        return scans_of(bus_database, parcel_no)

    return count


@pytest.fixture
def publish_scan(bus_database: Database) -> Callable[..., CloudEvent]:
    """Writes a parcel-scanned event through the outbox in its own committed transaction."""
    from smartdist.bus.outbox import publish

    def write(parcel_no: str, tenant_id: str = "t1") -> CloudEvent:
        with bus_database.tenant_transaction(tenant_id) as session:
            return publish(session, type=SCANNED, subject=parcel_no, data={"parcel_no": parcel_no}, tenant_id=tenant_id)

    return write
