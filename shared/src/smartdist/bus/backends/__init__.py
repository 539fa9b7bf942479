"""Stream backends the bus runs on: Redis Streams in production, a SQLite file when embedded.

Both give the same semantics, modelled on Redis Streams consumer groups: every group sees every
message of a stream; within a group each message goes to one consumer and stays *pending* for
that consumer until acknowledged; a pending message idle for too long can be claimed by another
consumer (its delivery count goes up); messages that keep failing are moved to a dead-letter
stream from which they can be replayed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from smartdist.config import PlatformSettings

DEAD_LETTER_STREAM = "smartdist.dead"


class BusUnavailable(RuntimeError):  # noqa: N818 - named for what happened, like domain errors
    """The bus cannot be reached (server down, file locked); the caller should retry later."""


class DeadLetterNotFound(KeyError):  # noqa: N818
    """No dead letter with that id (already replayed or never there)."""


@dataclass(frozen=True, slots=True)
class Message:
    stream: str
    id: str
    payload: str
    deliveries: int


@dataclass(frozen=True, slots=True)
class DeadLetter:
    id: str
    stream: str
    group: str
    message_id: str
    payload: str
    error: str
    deliveries: int
    dead_at: datetime


@runtime_checkable
class BusBackend(Protocol):
    def publish(self, stream: str, payload: str) -> str:
        """Append one message; returns its id."""

    def publish_batch(self, entries: Sequence[tuple[str, str]]) -> list[str]:
        """Append (stream, payload) messages in order; all or none is the caller's retry unit."""

    def ensure_group(self, stream: str, group: str) -> None:
        """Create the group (and stream) if missing; a new group starts at the stream's start."""

    def read(self, group: str, consumer: str, streams: Sequence[str], count: int, block_ms: int) -> list[Message]:
        """New messages for the group, now pending for ``consumer``; waits up to ``block_ms``."""

    def ack(self, group: str, stream: str, message_ids: Sequence[str]) -> None: ...

    def claim_stale(
        self, group: str, consumer: str, streams: Sequence[str], min_idle_ms: int, count: int = 100
    ) -> list[Message]:
        """Take over messages pending longer than ``min_idle_ms`` (e.g. of a dead consumer)."""

    def dead_letter(self, message: Message, group: str, error: str) -> str:
        """Move the message to the dead-letter stream and acknowledge it, atomically."""

    def dead_letters(self, limit: int = 100) -> list[DeadLetter]: ...

    def replay_dead(self, dead_id: str) -> str:
        """Re-publish a dead letter on its original stream and drop it; returns the new id."""

    def ping(self) -> None:
        """Raise :class:`BusUnavailable` if the bus cannot be reached."""

    def close(self) -> None: ...


def make_backend(settings: PlatformSettings, *, namespace: str | None = None) -> BusBackend:
    """The backend the settings ask for: Redis when configured, else ``<data_dir>/bus.db``.

    ``namespace`` (default ``settings.bus_namespace``) prefixes every stream name, so several
    deployments or test runs can share one Redis without seeing each other's events.
    """
    from smartdist.config import key_prefix

    if namespace is None:
        namespace = str(getattr(settings, "bus_namespace", "") or "")
    # Always with its separator, like the Celery keys: "shop-a" and "shop-ab" never share a key.
    namespace = key_prefix(namespace or settings.bus_namespace)
    if settings.effective_bus_backend() == "redis":
        from smartdist.bus.backends.redis import RedisBusBackend

        if not settings.redis_url:
            raise ValueError("bus_backend is redis but SMARTDIST_REDIS_URL is not set")
        return RedisBusBackend.from_url(settings.redis_url, namespace=namespace)
    from smartdist.bus.backends.embedded import EmbeddedBusBackend

    return EmbeddedBusBackend(settings.resolved_data_dir() / "bus.db", namespace=namespace)


__all__ = [
    "DEAD_LETTER_STREAM",
    "BusBackend",
    "BusUnavailable",
    "DeadLetter",
    "DeadLetterNotFound",
    "Message",
    "make_backend",
]
