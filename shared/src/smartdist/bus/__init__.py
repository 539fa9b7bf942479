"""Event bus (SPEC §2 "Events"): CloudEvents envelope, transactional outbox, relay, consumers.

Producers call :func:`smartdist.bus.outbox.publish` inside their transaction; an
:class:`OutboxRelay` per service database moves committed events to the bus (Redis Streams or
the embedded SQLite backend); a :class:`Consumer` per subscribing service handles each event
once per consumer group; failures end in a dead-letter stream (``smartdist bus dead ...``).

Names are imported on first use, so a process that only needs a backend (a worker, the CLI)
does not pay for SQLAlchemy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from smartdist.bus.backends import BusBackend, BusUnavailable, Message, make_backend
    from smartdist.bus.consumer import Consumer, Handler, Outcome
    from smartdist.bus.envelope import CloudEvent, InvalidEvent, stream_for_type
    from smartdist.bus.outbox import publish
    from smartdist.bus.relay import OutboxRelay, run_relays
    from smartdist.bus.workers import BusWorkers

_HOMES = {
    "BusBackend": "smartdist.bus.backends",
    "BusUnavailable": "smartdist.bus.backends",
    "Message": "smartdist.bus.backends",
    "make_backend": "smartdist.bus.backends",
    "Consumer": "smartdist.bus.consumer",
    "Handler": "smartdist.bus.consumer",
    "Outcome": "smartdist.bus.consumer",
    "CloudEvent": "smartdist.bus.envelope",
    "InvalidEvent": "smartdist.bus.envelope",
    "stream_for_type": "smartdist.bus.envelope",
    "publish": "smartdist.bus.outbox",
    "OutboxRelay": "smartdist.bus.relay",
    "run_relays": "smartdist.bus.relay",
    "BusWorkers": "smartdist.bus.workers",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'smartdist.bus' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)


__all__ = [
    "BusBackend",
    "BusUnavailable",
    "BusWorkers",
    "CloudEvent",
    "Consumer",
    "Handler",
    "InvalidEvent",
    "Message",
    "OutboxRelay",
    "Outcome",
    "make_backend",
    "publish",
    "run_relays",
    "stream_for_type",
]
