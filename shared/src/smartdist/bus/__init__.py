"""Event bus (SPEC §2 "Events"): CloudEvents envelope, transactional outbox, relay, consumers.

Producers call :func:`smartdist.bus.outbox.publish` inside their transaction; an
:class:`OutboxRelay` per service database moves committed events to the bus (Redis Streams or
the embedded SQLite backend); a :class:`Consumer` per subscribing service handles each event
once per consumer group; failures end in a dead-letter stream (``smartdist bus dead ...``).
"""

from smartdist.bus.backends import BusBackend, BusUnavailable, Message, make_backend
from smartdist.bus.consumer import Consumer, Handler, Outcome
from smartdist.bus.envelope import CloudEvent, InvalidEvent, stream_for_type
from smartdist.bus.outbox import publish
from smartdist.bus.relay import OutboxRelay, run_relays

__all__ = [
    "BusBackend",
    "BusUnavailable",
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
