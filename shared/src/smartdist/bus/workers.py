"""The background side of the bus in one process: outbox relays and consumers in threads.

The app factory (or the one-process demo) builds one ``BusWorkers`` on start-up, adds a relay
per service database and a consumer per subscribing service, starts it, and stops it on
shutdown::

    workers = BusWorkers(make_backend(settings))
    workers.add_relay("wms", wms_database)
    workers.add_consumer("surplus-market", market_database, {"smartdist.wms.lot.nearing_expiry": draft_listing})
    workers.start()
    ...
    workers.stop()
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from smartdist.bus.backends import BusBackend
from smartdist.bus.consumer import Consumer, Handler
from smartdist.bus.relay import OutboxRelay
from smartdist.db import Database


class BusWorkers:
    def __init__(self, backend: BusBackend, *, relay_idle_sleep: float = 0.1) -> None:
        self.backend = backend
        self.relay_idle_sleep = relay_idle_sleep
        self.relays: list[OutboxRelay] = []
        self.consumers: list[Consumer] = []
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def add_relay(self, name: str, database: Database) -> OutboxRelay:
        relay = OutboxRelay(database, self.backend, name=name)
        self.relays.append(relay)
        return relay

    def add_consumer(self, group: str, database: Database, handlers: Mapping[str, Handler], **options: Any) -> Consumer:
        """``group`` is the subscribing service's name: its instances share the work."""
        consumer = Consumer(self.backend, database, group, handlers, **options)
        self.consumers.append(consumer)
        return consumer

    @property
    def running(self) -> bool:
        return any(thread.is_alive() for thread in self._threads)

    def start(self) -> None:
        if self._threads:
            raise RuntimeError("bus workers already started")
        self._stop.clear()
        for relay in self.relays:
            self._spawn(f"bus-relay-{relay.name}", relay.run_forever, self._stop, self.relay_idle_sleep)
        for consumer in self.consumers:
            self._spawn(f"bus-consumer-{consumer.group}", consumer.run_forever, self._stop)

    def _spawn(self, name: str, target: Any, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self, timeout: float = 10.0) -> None:
        """Ask every thread to finish its pass and wait; a consumer stops within its read block."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads = []

    def __enter__(self) -> BusWorkers:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
