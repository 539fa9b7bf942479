"""Embedded backend: Redis-Streams semantics in one SQLite file, no server needed.

Safe for several threads and several processes on the same file: every change runs in a
``BEGIN IMMEDIATE`` transaction (writers queue on SQLite's lock, ``busy_timeout`` bounds the
wait), the journal is WAL so readers never block the writer, and each thread of each process
has its own connection.
"""

from __future__ import annotations

import os
import random
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from smartdist.bus.backends import (
    BusUnavailable,
    DeadLetter,
    DeadLetterNotFound,
    Message,
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS bus_message (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    stream TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_bus_message_stream_seq ON bus_message (stream, seq);
CREATE TABLE IF NOT EXISTS bus_group (
    stream TEXT NOT NULL,
    grp TEXT NOT NULL,
    last_seq INTEGER NOT NULL,
    PRIMARY KEY (stream, grp)
);
CREATE TABLE IF NOT EXISTS bus_pending (
    stream TEXT NOT NULL,
    grp TEXT NOT NULL,
    seq INTEGER NOT NULL,
    consumer TEXT NOT NULL,
    deliveries INTEGER NOT NULL,
    delivered_at REAL NOT NULL,
    PRIMARY KEY (stream, grp, seq)
);
CREATE TABLE IF NOT EXISTS bus_dead (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    stream TEXT NOT NULL,
    grp TEXT NOT NULL,
    message_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    error TEXT NOT NULL,
    deliveries INTEGER NOT NULL,
    dead_at TEXT NOT NULL
);
"""

# How often a blocked read looks at the file for messages written by another process; messages
# from this process wake it at once.
_POLL_S = 0.02
_TRIM_EVERY = 1000


class EmbeddedBusBackend:
    def __init__(
        self,
        path: Path | str,
        *,
        namespace: str = "",
        maxlen: int | None = 100_000,
        busy_timeout_ms: int = 10_000,
        synchronous: str = "FULL",
    ) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.namespace = namespace
        self.maxlen = maxlen
        self.busy_timeout_ms = busy_timeout_ms
        # FULL: a relayed event survives a power cut once the relay has marked it published.
        self.synchronous = synchronous
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        self._arrivals = threading.Condition()
        self._published_since_trim = 0
        self._schema_ready = False

    # -- connections and transactions -------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None and getattr(self._local, "pid", None) == os.getpid():
            return conn
        try:
            conn = sqlite3.connect(
                self.path,
                isolation_level=None,
                check_same_thread=False,
                timeout=self.busy_timeout_ms / 1000,
            )
            conn.execute(f"PRAGMA busy_timeout={int(self.busy_timeout_ms)}")
            # Several processes opening a new file at once: switching it to WAL can fail with
            # "locked" without waiting for the busy timeout, so wait here ourselves.
            deadline = time.monotonic() + self.busy_timeout_ms / 1000
            while True:
                try:
                    self._prepare(conn)
                    break
                except sqlite3.OperationalError as exc:
                    if "locked" not in str(exc) or time.monotonic() > deadline:
                        raise
                    time.sleep(0.005 + random.random() * 0.02)
        except sqlite3.Error as exc:
            raise BusUnavailable(f"embedded bus {self.path} unusable: {exc}") from exc
        self._local.conn = conn
        self._local.pid = os.getpid()
        with self._connections_lock:
            self._connections.append(conn)
        return conn

    def _prepare(self, conn: sqlite3.Connection) -> None:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={self.synchronous}")
        if self._schema_ready:
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        self._schema_ready = True

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        conn = self._connection()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise BusUnavailable(f"embedded bus {self.path} is locked: {exc}") from exc
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.OperationalError):
                raise BusUnavailable(f"embedded bus {self.path}: {exc}") from exc
            raise

    def _key(self, stream: str) -> str:
        return self.namespace + stream

    def _stream(self, key: str) -> str:
        return key[len(self.namespace) :] if key.startswith(self.namespace) else key

    # -- producing ----------------------------------------------------------------------------

    def publish(self, stream: str, payload: str) -> str:
        return self.publish_batch([(stream, payload)])[0]

    def publish_batch(self, entries: Sequence[tuple[str, str]]) -> list[str]:
        if not entries:
            return []
        now = time.time()
        ids: list[str] = []
        with self._transaction() as conn:
            for stream, payload in entries:
                cursor = conn.execute(
                    "INSERT INTO bus_message (stream, payload, created_at) VALUES (?, ?, ?)",
                    (self._key(stream), payload, now),
                )
                ids.append(str(cursor.lastrowid))
            self._published_since_trim += len(entries)
            if self.maxlen is not None and self._published_since_trim >= _TRIM_EVERY:
                self._published_since_trim = 0
                self._trim(conn, {self._key(stream) for stream, _ in entries})
        with self._arrivals:
            self._arrivals.notify_all()
        return ids

    def _trim(self, conn: sqlite3.Connection, keys: set[str]) -> None:
        # Like MAXLEN ~: keep about the newest maxlen messages of each stream.
        for key in keys:
            row = conn.execute(
                "SELECT seq FROM bus_message WHERE stream = ? ORDER BY seq DESC LIMIT 1 OFFSET ?",
                (key, self.maxlen),
            ).fetchone()
            if row is not None:
                conn.execute("DELETE FROM bus_message WHERE stream = ? AND seq <= ?", (key, row[0]))

    # -- consuming ----------------------------------------------------------------------------

    def ensure_group(self, stream: str, group: str) -> None:
        with self._transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO bus_group (stream, grp, last_seq) VALUES (?, ?, 0)",
                (self._key(stream), group),
            )

    def read(self, group: str, consumer: str, streams: Sequence[str], count: int, block_ms: int) -> list[Message]:
        deadline = time.monotonic() + max(block_ms, 0) / 1000
        while True:
            messages = self._read_new(group, consumer, streams, count)
            remaining = deadline - time.monotonic()
            if messages or remaining <= 0:
                return messages
            with self._arrivals:
                self._arrivals.wait(min(remaining, _POLL_S))

    def _anything_new(self, group: str, streams: Sequence[str]) -> bool:
        """A lock-free look (WAL readers never wait) before taking the write lock to read."""
        keys = [self._key(stream) for stream in streams]
        marks = ",".join("?" * len(keys))
        conn = self._connection()
        try:
            known = conn.execute(
                f"SELECT stream, last_seq FROM bus_group WHERE grp = ? AND stream IN ({marks})",
                (group, *keys),
            ).fetchall()
            if len(known) < len(keys):
                return True
            return any(
                conn.execute(
                    "SELECT 1 FROM bus_message WHERE stream = ? AND seq > ? LIMIT 1", (key, last_seq)
                ).fetchone()
                for key, last_seq in known
            )
        except sqlite3.OperationalError as exc:
            raise BusUnavailable(f"embedded bus {self.path}: {exc}") from exc

    def _read_new(self, group: str, consumer: str, streams: Sequence[str], count: int) -> list[Message]:
        if not self._anything_new(group, streams):
            # Idle consumers poll often; without this look each poll would queue for the lock.
            return []
        messages: list[Message] = []
        now = time.time()
        with self._transaction() as conn:
            for stream in streams:
                key = self._key(stream)
                row = conn.execute(
                    "SELECT last_seq FROM bus_group WHERE stream = ? AND grp = ?", (key, group)
                ).fetchone()
                if row is None:
                    conn.execute("INSERT INTO bus_group (stream, grp, last_seq) VALUES (?, ?, 0)", (key, group))
                    last_seq = 0
                else:
                    last_seq = row[0]
                rows = conn.execute(
                    "SELECT seq, payload FROM bus_message WHERE stream = ? AND seq > ? ORDER BY seq LIMIT ?",
                    (key, last_seq, count),
                ).fetchall()
                if not rows:
                    continue
                conn.executemany(
                    "INSERT INTO bus_pending (stream, grp, seq, consumer, deliveries, delivered_at) "
                    "VALUES (?, ?, ?, ?, 1, ?)",
                    [(key, group, seq, consumer, now) for seq, _ in rows],
                )
                conn.execute(
                    "UPDATE bus_group SET last_seq = ? WHERE stream = ? AND grp = ?",
                    (rows[-1][0], key, group),
                )
                messages.extend(Message(stream, str(seq), payload, 1) for seq, payload in rows)
        return messages

    def ack(self, group: str, stream: str, message_ids: Sequence[str]) -> None:
        if not message_ids:
            return
        key = self._key(stream)
        with self._transaction() as conn:
            conn.executemany(
                "DELETE FROM bus_pending WHERE stream = ? AND grp = ? AND seq = ?",
                [(key, group, int(message_id)) for message_id in message_ids],
            )

    def claim_stale(
        self, group: str, consumer: str, streams: Sequence[str], min_idle_ms: int, count: int = 100
    ) -> list[Message]:
        now = time.time()
        idle_before = now - min_idle_ms / 1000
        claimed: list[Message] = []
        with self._transaction() as conn:
            for stream in streams:
                key = self._key(stream)
                rows = conn.execute(
                    "SELECT p.seq, p.deliveries, m.payload FROM bus_pending p "
                    "LEFT JOIN bus_message m ON m.seq = p.seq "
                    "WHERE p.stream = ? AND p.grp = ? AND p.delivered_at <= ? "
                    "ORDER BY p.seq LIMIT ?",
                    (key, group, idle_before, count),
                ).fetchall()
                for seq, deliveries, payload in rows:
                    if payload is None:
                        # Trimmed away while pending: nothing left to deliver (XAUTOCLAIM does the same).
                        conn.execute(
                            "DELETE FROM bus_pending WHERE stream = ? AND grp = ? AND seq = ?",
                            (key, group, seq),
                        )
                        continue
                    conn.execute(
                        "UPDATE bus_pending SET consumer = ?, deliveries = deliveries + 1, "
                        "delivered_at = ? WHERE stream = ? AND grp = ? AND seq = ?",
                        (consumer, now, key, group, seq),
                    )
                    claimed.append(Message(stream, str(seq), payload, deliveries + 1))
        return claimed

    # -- dead letters -------------------------------------------------------------------------

    def dead_letter(self, message: Message, group: str, error: str) -> str:
        with self._transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO bus_dead (stream, grp, message_id, payload, error, deliveries, dead_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    # Dead letters of every namespace share the table; the namespace sits in the
                    # stream column.
                    self._key(message.stream),
                    group,
                    message.id,
                    message.payload,
                    error[:4000],
                    message.deliveries,
                    datetime.now(UTC).isoformat(),
                ),
            )
            conn.execute(
                "DELETE FROM bus_pending WHERE stream = ? AND grp = ? AND seq = ?",
                (self._key(message.stream), group, int(message.id)),
            )
        return str(cursor.lastrowid)

    def dead_letters(self, limit: int = 100) -> list[DeadLetter]:
        conn = self._connection()
        try:
            rows = conn.execute(
                "SELECT id, stream, grp, message_id, payload, error, deliveries, dead_at "
                "FROM bus_dead WHERE stream LIKE ? ESCAPE '\\' ORDER BY id LIMIT ?",
                (_like_prefix(self.namespace), limit),
            ).fetchall()
        except sqlite3.OperationalError as exc:
            raise BusUnavailable(f"embedded bus {self.path}: {exc}") from exc
        return [
            DeadLetter(
                id=str(row[0]),
                stream=self._stream(row[1]),
                group=row[2],
                message_id=row[3],
                payload=row[4],
                error=row[5],
                deliveries=row[6],
                dead_at=datetime.fromisoformat(row[7]),
            )
            for row in rows
        ]

    def replay_dead(self, dead_id: str) -> str:
        with self._transaction() as conn:
            row = conn.execute(
                "SELECT stream, payload FROM bus_dead WHERE id = ? AND stream LIKE ? ESCAPE '\\'",
                (int(dead_id), _like_prefix(self.namespace)),
            ).fetchone()
            if row is None:
                raise DeadLetterNotFound(dead_id)
            cursor = conn.execute(
                "INSERT INTO bus_message (stream, payload, created_at) VALUES (?, ?, ?)",
                (row[0], row[1], time.time()),
            )
            conn.execute("DELETE FROM bus_dead WHERE id = ?", (int(dead_id),))
        with self._arrivals:
            self._arrivals.notify_all()
        return str(cursor.lastrowid)

    # -- lifecycle ----------------------------------------------------------------------------

    def ping(self) -> None:
        try:
            self._connection().execute("SELECT 1 FROM bus_group LIMIT 1").fetchall()
        except sqlite3.Error as exc:
            raise BusUnavailable(f"embedded bus {self.path}: {exc}") from exc

    def close(self) -> None:
        with self._connections_lock:
            connections, self._connections = self._connections, []
        for conn in connections:
            conn.close()
        self._local = threading.local()


def _like_prefix(prefix: str) -> str:
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"
