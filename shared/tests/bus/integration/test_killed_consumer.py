"""A consumer process killed (SIGKILL) in the middle of a handler: the event is handled once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from smartdist.bus.backends import BusBackend
from smartdist.bus.backends.embedded import EmbeddedBusBackend
from smartdist.bus.backends.redis import RedisBusBackend
from smartdist.bus.consumer import Consumer
from smartdist.bus.relay import OutboxRelay
from smartdist.db import Database

SRC = Path(__file__).resolve().parents[3] / "src"

_DOOMED_CONSUMER = """
import pathlib, sys, time
from sqlalchemy import text
from smartdist.bus.backends.embedded import EmbeddedBusBackend
from smartdist.bus.backends.redis import RedisBusBackend
from smartdist.bus.consumer import Consumer
from smartdist.db import Database

url, schema, bus_kind, bus_address, namespace, marker = sys.argv[1:]
database = Database(url, schema=schema or None)
if bus_kind == "embedded":
    backend = EmbeddedBusBackend(bus_address)
else:
    backend = RedisBusBackend.from_url(bus_address, namespace=namespace)

def scan_then_hang(session, event):
    session.execute(
        text("INSERT INTO parcel_scanned (tenant_id, parcel_no) VALUES (:tenant, :parcel)"),
        {"tenant": event.tenantid, "parcel": event.data["parcel_no"]},
    )
    session.flush()
    pathlib.Path(marker).write_text(event.id)
    time.sleep(300)

Consumer(backend, database, "dispatch", {"smartdist.wms.parcel.scanned": scan_then_hang}, "doomed").run_once(
    block_ms=30_000
)
"""


def test_consumer_killed_mid_handler_leaves_the_event_to_another_that_handles_it_once(
    bus_database: Database,
    backend: BusBackend,
    make_bus: Callable[[], BusBackend],
    publish_scan,
    scan_handlers,
    count_scans,
    tmp_path: Path,
) -> None:
    if isinstance(backend, EmbeddedBusBackend):
        bus_args = ["embedded", str(backend.path), ""]
    else:
        assert isinstance(backend, RedisBusBackend)
        kwargs = backend.client.connection_pool.connection_kwargs
        bus_args = ["redis", f"redis://{kwargs['host']}:{kwargs['port']}/{kwargs.get('db', 0)}", backend.namespace]
    marker = tmp_path / "handler-started"
    doomed = subprocess.Popen(
        [sys.executable, "-c", _DOOMED_CONSUMER, bus_database.url, bus_database.schema or "", *bus_args, str(marker)],
        env={**os.environ, "PYTHONPATH": str(SRC)},
    )
    try:
        sent = publish_scan("P-1")
        OutboxRelay(bus_database, backend).run_once()
        deadline = time.monotonic() + 60
        while not marker.exists() and doomed.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.read_text() == sent.id  # the doomed consumer is inside the handler ...
    finally:
        doomed.send_signal(signal.SIGKILL)  # ... when it dies
        doomed.wait(30)

    survivor = Consumer(make_bus(), bus_database, "dispatch", scan_handlers, "survivor", claim_idle_ms=0)
    handled = 0
    deadline = time.monotonic() + 30
    while handled == 0 and time.monotonic() < deadline:
        handled = survivor.run_once(block_ms=100)
    assert handled == 1
    assert count_scans("P-1") == 1  # the doomed consumer's uncommitted write is gone
    assert survivor.run_once(block_ms=0) == 0  # acknowledged, nothing pending
