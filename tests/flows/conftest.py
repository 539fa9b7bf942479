"""The production stack of the SPEC §5 flow tests, started once per test session.

The same processes as deploy/compose.yaml, on this machine: one PostgreSQL database made for the
session (each service in its own schema, `smartdist migrate` first), Redis for the bus and the
Celery queue under a namespace of the session's own, the services that take part in a flow each
as `smartdist serve <service>`, the Celery worker (`smartdist worker`) and the outbox relay
(`smartdist bus relay`), started by smartdist.testing.processes (as the deploy test and
benchmarks/load_and_fault.py start them).

Every process holds the signing key here: the WMS and the surplus market sign their own service
token for the broker (the compose file gives the key to the console only; there a
``*_DELIVERY_BROKER_TOKEN`` is needed instead).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import sqlalchemy
from sqlalchemy import select

from smartdist.auth.keys import generate_pem_pair
from smartdist.auth.tokens import TokenSigner
from smartdist.bus.backends import BusBackend, make_backend
from smartdist.bus.envelope import CloudEvent, stream_for_type
from smartdist.bus.models import OutboxEvent
from smartdist.config import PlatformSettings, schema_name
from smartdist.db import Database
from smartdist.kpi.models import KpiRecord
from smartdist.testing.processes import Process, free_port
from smartdist.testing.servers import postgres_available, redis_available

T = TypeVar("T")
REPO = Path(__file__).resolve().parents[2]
SERVICES = ("wms", "surplus-market", "delivery-broker", "forecast", "virtual-store")
# A Redis database apart from the deploy test's (13); the namespace keeps sessions apart in it.
REDIS_DB = 12
FLOW_TIMEOUT_S = 30.0  # SPEC §5: what a flow leaves behind is visible within 30 s


# Every `smartdist serve` loads its service's libraries (OR-Tools, LightGBM...): seven of them
# starting at once on a shared two-core machine take minutes, not seconds.
READY_TIMEOUT_S = 420.0


def eventually(probe: Callable[[], T | None], what: str, timeout_s: float = FLOW_TIMEOUT_S) -> T:
    deadline = time.monotonic() + timeout_s
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
        time.sleep(0.2)


class Stack:
    def __init__(self, urls: dict[str, str], signer: TokenSigner, database_url: str, bus: BusBackend) -> None:
        self.urls = urls
        self.signer = signer
        self.database_url = database_url
        self.bus = bus
        self._clients: dict[str, httpx.Client] = {}
        self._databases: dict[str, Database] = {}
        self.processes: list[Any] = []
        self.environment: dict[str, str] = {}
        self.workdir = Path(".")

    def headers(self, tenant: str, roles: tuple[str, ...] = ("owner",), **extra: str) -> dict[str, str]:
        token, _ = self.signer.issue(kind="user", subject="flows", tenant_id=tenant, roles=list(roles), ttl_s=900)
        return {"Authorization": f"Bearer {token}", **extra}

    def consumer_headers(self, consumer_id: str = "consumer-flows", name: str = "Mei") -> dict[str, str]:
        token, _ = self.signer.issue(
            kind="consumer", subject=consumer_id, tenant_id=None, roles=["consumer"], ttl_s=900, name=name
        )
        return {"Authorization": f"Bearer {token}"}

    def api(self, service: str) -> httpx.Client:
        if service not in self._clients:
            self._clients[service] = httpx.Client(base_url=f"{self.urls[service]}/api/v1", timeout=30)
        return self._clients[service]

    def database(self, service: str) -> Database:
        if service not in self._databases:
            self._databases[service] = Database(self.database_url, schema=schema_name(service))
        return self._databases[service]

    def outbox(self, service: str, tenant: str, event_type: str) -> list[CloudEvent]:
        """The events a service wrote (its outbox), oldest first, as they went on the bus."""
        with self.database(service).system_transaction() as session:
            rows = session.scalars(
                select(OutboxEvent)
                .where(OutboxEvent.tenant_id == tenant, OutboxEvent.type == event_type)
                .order_by(OutboxEvent.id)
            )
            return [CloudEvent.from_json(row.payload) for row in rows]

    def kpi(self, service: str, tenant: str, doc_no: str | None = None) -> list[tuple[str, str, str]]:
        """(doc_type, doc_no, status) of a service's KPI log for a tenant, in order."""
        with self.database(service).system_transaction() as session:
            stmt = select(KpiRecord).where(KpiRecord.tenant_id == tenant, KpiRecord.service == service)
            if doc_no is not None:
                stmt = stmt.where(KpiRecord.doc_no == doc_no)
            rows = session.scalars(stmt.order_by(KpiRecord.id))
            return [(r.doc_type, r.doc_no, r.status) for r in rows]

    def inject(self, event: CloudEvent) -> None:
        """Put an event on the bus as its producer's relay would (a repeat, a late or a stale one)."""
        self.bus.publish(stream_for_type(event.type), event.to_json())

    def stop(self, name: str) -> None:
        """SIGTERM one process (a service going away) and wait until it has stopped."""
        process = next(p for p in self.processes if p.name == name)
        with contextlib.suppress(AssertionError):
            process.stop()

    def restart(self, name: str) -> None:
        """Start a stopped service again on its port, as its orchestrator would, and wait until ready."""
        old = next(p for p in self.processes if p.name == name)
        client = self._clients.pop(name, None)  # its kept-alive connections went with the process
        if client is not None:
            client.close()
        command = ["smartdist", "serve", name, "--host", "127.0.0.1", "--port", str(old.port)]
        process = Process(name, command, self.environment, self.workdir, port=old.port).start()
        self.processes[self.processes.index(old)] = process
        process.wait_until_ready(READY_TIMEOUT_S)

    def alive(self) -> None:
        for process in self.processes:
            assert process.popen.poll() is None, f"{process.name} died\n{process.log_tail()}"

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        for database in self._databases.values():
            database.dispose()


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, f"{response.request.method} {response.request.url}: {response.text}"
    return response.json()


@pytest.fixture(scope="session")
def flow_database() -> Iterator[str]:
    admin_url = sqlalchemy.make_url(postgres_available())
    name = "smartdist_flows_" + uuid.uuid4().hex[:10]
    engine = sqlalchemy.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as connection:
            connection.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


@pytest.fixture(scope="session")
def stack(flow_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    import redis

    tmp = tmp_path_factory.mktemp("flows")
    redis_url = redis_available().rsplit("/", 1)[0] + f"/{REDIS_DB}"
    namespace = "flows-" + uuid.uuid4().hex[:8]
    keys = generate_pem_pair()
    assert keys.private_pem is not None
    ports = {name: free_port() for name in SERVICES}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    deployed_url = sqlalchemy.make_url(flow_database).set(drivername="postgresql").render_as_string(False)
    environment = {key: value for key, value in os.environ.items() if not key.startswith("SMARTDIST_")} | {
        "SMARTDIST_ENV": "production",
        "SMARTDIST_DATABASE_URL": deployed_url,
        "SMARTDIST_REDIS_URL": redis_url,
        "SMARTDIST_BUS_NAMESPACE": namespace,
        "SMARTDIST_DATA_DIR": str(tmp / "data"),
        "SMARTDIST_CONSOLE_URL": "http://127.0.0.1:1",
        "SMARTDIST_SERVICE_URLS": json.dumps(urls),
        "SMARTDIST_AUTH_PRIVATE_KEY": keys.private_pem,
        "SMARTDIST_AUTH_PUBLIC_KEY": keys.public_pem,
        "SMARTDIST_LOG_JSON": "false",
        # Simulated couriers a step a second, quotes at once (the sandbox still repeats and
        # reorders its webhooks, as real platforms do).
        "SMARTDIST_DELIVERY_BROKER_SANDBOX_STEP_S": "1",
        "SMARTDIST_DELIVERY_BROKER_SANDBOX_PUMP_S": "0.5",
        "SMARTDIST_DELIVERY_BROKER_SANDBOX_QUOTE_LATENCY_S": "0",
        "SMARTDIST_WMS_COURIER_RETRY_S": "2",
        "SMARTDIST_WMS_COURIER_BOOKING_MAX_ATTEMPTS": "200",  # outlasts a broker restart under load
    }
    settings = PlatformSettings(redis_url=redis_url, bus_namespace=namespace)
    bus = make_backend(settings)
    started = Stack(urls, TokenSigner(keys.private_pem), flow_database, bus)
    started.environment, started.workdir = environment, tmp
    try:
        migrate = Process("migrate", ["smartdist", "migrate"], environment, tmp).start()
        assert migrate.popen is not None and migrate.popen.wait(READY_TIMEOUT_S) == 0, migrate.log_tail()
        for name, port in ports.items():
            command = ["smartdist", "serve", name, "--host", "127.0.0.1", "--port", str(port)]
            started.processes.append(Process(name, command, environment, tmp, port=port).start())
        started.processes.append(Process("worker", ["smartdist", "worker"], environment, tmp).start())
        started.processes.append(Process("relay", ["smartdist", "bus", "relay"], environment, tmp).start())
        for process in started.processes:
            if process.port is not None:
                process.wait_until_ready(READY_TIMEOUT_S)
        yield started
        started.alive()
    finally:
        for process in started.processes:  # all stop together, not one after another
            if process.running():
                process.popen.send_signal(signal.SIGTERM)  # type: ignore[union-attr]
        for process in started.processes:
            with contextlib.suppress(AssertionError):  # one that ignored SIGTERM was killed
                process.stop()
        started.close()
        bus.close()
        client = redis.Redis.from_url(redis_url)
        for key in client.scan_iter(match=f"{namespace}:*", count=500):
            client.delete(key)
        client.close()
