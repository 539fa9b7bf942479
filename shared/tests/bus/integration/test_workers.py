"""Relays and consumers running in background threads, as the services run them."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from prometheus_client import REGISTRY

from smartdist.bus.backends import BusBackend
from smartdist.bus.workers import BusWorkers
from smartdist.db import Database

SQLITE_ONLY = pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)


def wait_for(condition: Callable[[], bool], seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


@SQLITE_ONLY
def test_background_workers_deliver_committed_events_and_stop_cleanly(
    bus_database: Database, backend: BusBackend, publish_scan, scan_handlers, count_scans
) -> None:
    workers = BusWorkers(backend, relay_idle_sleep=0.02)
    workers.add_relay("wms", bus_database)
    workers.add_consumer("dispatch", bus_database, scan_handlers, block_ms=100)

    with workers:
        assert workers.running
        publish_scan("P-1")
        publish_scan("P-2")
        assert wait_for(lambda: count_scans() == 2)
    assert not workers.running
    assert count_scans("P-1") == 1


@SQLITE_ONLY
def test_relayed_and_consumed_events_are_counted_for_metrics(
    bus_database: Database, backend: BusBackend, publish_scan, scan_handlers
) -> None:
    def sample(name: str, labels: dict[str, str]) -> float:
        return REGISTRY.get_sample_value(name, labels) or 0.0

    relayed_before = sample("smartdist_bus_events_relayed_total", {"outbox": "wms-metrics"})
    handled_before = sample("smartdist_bus_events_consumed_total", {"group": "metrics", "outcome": "handled"})
    workers = BusWorkers(backend, relay_idle_sleep=0.02)
    workers.add_relay("wms-metrics", bus_database)
    workers.add_consumer("metrics", bus_database, scan_handlers, block_ms=100)
    with workers:
        publish_scan("P-1")
        assert wait_for(
            lambda: (
                sample("smartdist_bus_events_consumed_total", {"group": "metrics", "outcome": "handled"})
                == handled_before + 1
            )
        )
    assert sample("smartdist_bus_events_relayed_total", {"outbox": "wms-metrics"}) == relayed_before + 1
