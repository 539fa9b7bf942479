"""Redis Streams backend: one stream per producing service, one consumer group per subscriber."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

import redis
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

from smartdist.bus.backends import (
    DEAD_LETTER_STREAM,
    BusUnavailable,
    DeadLetter,
    DeadLetterNotFound,
    Message,
)

T = TypeVar("T")
PAYLOAD_FIELD = "event"


@contextmanager
def _unavailable_on_connection_error() -> Iterator[None]:
    try:
        yield
    except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
        raise BusUnavailable(f"Redis unreachable: {exc}") from exc


class RedisBusBackend:
    """Redis Streams with consumer groups.

    ``namespace`` prefixes every key so several platforms (or tests) can share one server.
    ``maxlen`` trims each stream approximately (``MAXLEN ~``): a group that falls further behind
    than that loses the oldest messages, so size it for the longest consumer outage you accept.
    """

    def __init__(self, client: redis.Redis, *, namespace: str = "", maxlen: int | None = 100_000) -> None:
        self.client = client
        self.namespace = namespace
        self.maxlen = maxlen

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        namespace: str = "",
        maxlen: int | None = 100_000,
        connect_timeout_s: float = 2.0,
        socket_timeout_s: float = 10.0,
    ) -> RedisBusBackend:
        client = redis.Redis.from_url(
            url,
            decode_responses=True,
            socket_connect_timeout=connect_timeout_s,
            socket_timeout=socket_timeout_s,
            # One quick retry rides over a dropped idle connection; a real outage surfaces as
            # BusUnavailable at once and the relay's own backoff takes over.
            retry=Retry(ExponentialBackoff(cap=0.2, base=0.05), 1),
            health_check_interval=30,
        )
        return cls(client, namespace=namespace, maxlen=maxlen)

    def _key(self, stream: str) -> str:
        return self.namespace + stream

    def _stream(self, key: str) -> str:
        return key[len(self.namespace) :] if key.startswith(self.namespace) else key

    def _call(self, operation: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        with _unavailable_on_connection_error():
            return operation(*args, **kwargs)

    def publish(self, stream: str, payload: str) -> str:
        return str(
            self._call(
                lambda: self.client.xadd(
                    self._key(stream),
                    {PAYLOAD_FIELD: payload},
                    maxlen=self.maxlen,
                    approximate=True,
                )
            )
        )

    def publish_batch(self, entries: Sequence[tuple[str, str]]) -> list[str]:
        if not entries:
            return []

        def send() -> list[Any]:
            pipe = self.client.pipeline(transaction=False)
            for stream, payload in entries:
                pipe.xadd(self._key(stream), {PAYLOAD_FIELD: payload}, maxlen=self.maxlen, approximate=True)
            return pipe.execute()

        return [str(message_id) for message_id in self._call(send)]

    def ensure_group(self, stream: str, group: str) -> None:
        # Start at "0", not "$": events relayed before a subscriber's first start are still its.
        try:
            self._call(lambda: self.client.xgroup_create(self._key(stream), group, id="0", mkstream=True))
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def read(self, group: str, consumer: str, streams: Sequence[str], count: int, block_ms: int) -> list[Message]:
        keys: dict[Any, Any] = {self._key(stream): ">" for stream in streams}

        def read_group() -> Any:
            return self.client.xreadgroup(group, consumer, keys, count=count, block=block_ms if block_ms > 0 else None)

        try:
            reply = self._call(read_group)
        except ResponseError as exc:
            # A Redis without persistence forgets streams and groups when it restarts.
            if "NOGROUP" not in str(exc):
                raise
            for stream in streams:
                self.ensure_group(stream, group)
            reply = self._call(read_group)
        return [
            Message(self._stream(key), message_id, fields.get(PAYLOAD_FIELD, ""), 1)
            for key, entries in _stream_entries(reply)
            for message_id, fields in entries
            if fields is not None
        ]

    def ack(self, group: str, stream: str, message_ids: Sequence[str]) -> None:
        if message_ids:
            self._call(lambda: self.client.xack(self._key(stream), group, *message_ids))

    def claim_stale(
        self, group: str, consumer: str, streams: Sequence[str], min_idle_ms: int, count: int = 100
    ) -> list[Message]:
        claimed: list[Message] = []
        for stream in streams:
            key = self._key(stream)
            try:
                reply = self._call(self.client.xautoclaim, key, group, consumer, min_idle_ms, "0-0", count=count)
            except ResponseError as exc:
                if "NOGROUP" in str(exc):
                    continue
                raise
            entries = [(mid, fields) for mid, fields in reply[1] if fields is not None]
            if not entries:
                continue
            # XAUTOCLAIM raised the delivery counters; XPENDING tells us their values.
            pending = self._call(
                self.client.xpending_range,
                key,
                group,
                min=entries[0][0],
                max=entries[-1][0],
                count=len(entries) * 2,
                consumername=consumer,
            )
            deliveries = {row["message_id"]: int(row["times_delivered"]) for row in pending}
            claimed.extend(
                Message(stream, mid, fields.get(PAYLOAD_FIELD, ""), deliveries.get(mid, 2)) for mid, fields in entries
            )
        return claimed

    def dead_letter(self, message: Message, group: str, error: str) -> str:
        def move() -> list[Any]:
            pipe = self.client.pipeline(transaction=True)
            pipe.xadd(
                self._key(DEAD_LETTER_STREAM),
                {
                    "stream": message.stream,
                    "group": group,
                    "message_id": message.id,
                    PAYLOAD_FIELD: message.payload,
                    "error": error[:4000],
                    "deliveries": str(message.deliveries),
                    "dead_at": datetime.now(UTC).isoformat(),
                },
            )
            pipe.xack(self._key(message.stream), group, message.id)
            return pipe.execute()

        return str(self._call(move)[0])

    def dead_letters(self, limit: int = 100) -> list[DeadLetter]:
        entries: Any = self._call(self.client.xrange, self._key(DEAD_LETTER_STREAM), "-", "+", count=limit)
        return [_dead_letter(dead_id, fields) for dead_id, fields in entries]

    def replay_dead(self, dead_id: str) -> str:
        dead_key = self._key(DEAD_LETTER_STREAM)
        entries: Any = self._call(self.client.xrange, dead_key, dead_id, dead_id, count=1)
        if not entries:
            raise DeadLetterNotFound(dead_id)
        letter = _dead_letter(*entries[0])

        def move() -> list[Any]:
            pipe = self.client.pipeline(transaction=True)
            pipe.xadd(
                self._key(letter.stream),
                {PAYLOAD_FIELD: letter.payload},
                maxlen=self.maxlen,
                approximate=True,
            )
            pipe.xdel(dead_key, dead_id)
            return pipe.execute()

        return str(self._call(move)[0])

    def ping(self) -> None:
        self._call(self.client.ping)

    def close(self) -> None:
        self.client.close()
        self.client.connection_pool.disconnect()

    def delete_namespace(self) -> None:
        """Drop every key under the namespace (tests, benchmarks); refuses the empty namespace."""
        if not self.namespace:
            raise ValueError("refusing to delete keys without a namespace")
        keys = list(self._call(lambda: list(self.client.scan_iter(match=self.namespace + "*"))))
        if keys:
            self._call(lambda: self.client.delete(*keys))


def _stream_entries(reply: Any) -> list[tuple[str, list[tuple[str, dict[str, str] | None]]]]:
    if not reply:
        return []
    return [(key, entries) for key, entries in reply]


def _dead_letter(dead_id: str, fields: dict[str, str]) -> DeadLetter:
    return DeadLetter(
        id=dead_id,
        stream=fields.get("stream", ""),
        group=fields.get("group", ""),
        message_id=fields.get("message_id", ""),
        payload=fields.get(PAYLOAD_FIELD, ""),
        error=fields.get("error", ""),
        deliveries=int(fields.get("deliveries", "0")),
        dead_at=datetime.fromisoformat(fields["dead_at"]) if "dead_at" in fields else datetime.now(UTC),
    )
