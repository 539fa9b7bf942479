"""Event bus throughput and latency: outbox -> relay -> bus -> idempotent consumer.

Two measurements on one database (SQLite file or a throwaway PostgreSQL schema) and one bus
(Redis Streams under a throwaway key namespace, or the embedded SQLite stream):

1. stages, one after the other, N events each: writing through the outbox in request-sized
   transactions, relaying, consuming (each event in its own transaction with its effect row and
   processed-event row, as in production). Prints events/s per stage.
2. pipeline, all three running at once in threads (as in a service process) on a stream of its
   own, the writer paced at --rate events/s (default: half the slowest stage, so the figures are
   latency and not a growing queue): end-to-end latency from the event's time (set when written
   to the outbox) to the moment the consumer's transaction committed, p50/p95/p99, and the
   relay's share (outbox commit -> published).

On SQLite the three stages share one database file and its write lock, so the pipeline saturates
well below the slowest stage's own rate; pass a lower --rate there (100 holds on 2 cores).

    .venv/bin/python benchmarks/bus_throughput.py --db postgresql --bus redis
    .venv/bin/python benchmarks/bus_throughput.py --db sqlite --bus embedded --events 5000
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Sequence
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Integer, MetaData, String, create_engine, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from smartdist.bus.backends import BusBackend, Message
from smartdist.bus.backends.embedded import EmbeddedBusBackend
from smartdist.bus.backends.redis import RedisBusBackend
from smartdist.bus.consumer import Consumer, Outcome
from smartdist.bus.envelope import CloudEvent
from smartdist.bus.models import OutboxEvent, create_bus_tables
from smartdist.bus.outbox import publish
from smartdist.bus.relay import OutboxRelay
from smartdist.db import NAMING_CONVENTION, Database, TenantScoped

EVENT_TYPE = "smartdist.wms.outbound.shipped"
# The latency run uses its own stream, so its consumer does not first wade through the stage run's.
PIPELINE_EVENT_TYPE = "smartdist.dispatch.outbound.shipped"
TENANTS = [f"tenant{n:02d}" for n in range(10)]


class BenchBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ShipmentSeen(BenchBase, TenantScoped):
    """What the benchmark handler writes: one row per shipment, like a real subscriber's effect."""

    __tablename__ = "shipment_seen"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_no: Mapped[str] = mapped_column(String(40))


def note_shipment(session: Session, event: CloudEvent) -> None:
    session.add(ShipmentSeen(order_no=event.data["order_no"]))


class TimedConsumer(Consumer):
    """Records, for each event written since ``since`` and handled, seconds from its time to commit."""

    def __init__(self, *args: Any, since: datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.since = since
        self.latencies: list[float] = []

    def handle_batch(self, messages: Sequence[Message]) -> list[Outcome]:
        outcomes = super().handle_batch(messages)
        committed = datetime.now(UTC)
        for message, outcome in zip(messages, outcomes, strict=True):
            if outcome is Outcome.HANDLED:
                sent = CloudEvent.from_json(message.payload).time
                if sent >= self.since:
                    self.latencies.append((committed - sent).total_seconds())
        return outcomes


def write_events(
    database: Database, count: int, per_transaction: int, start: int = 0, event_type: str = EVENT_TYPE
) -> None:
    for first in range(start, start + count, per_transaction):
        tenant = TENANTS[(first // per_transaction) % len(TENANTS)]
        with database.tenant_transaction(tenant) as session:
            for number in range(first, min(first + per_transaction, start + count)):
                publish(
                    session,
                    type=event_type,
                    subject=f"OUT-{number:07d}",
                    data={"order_no": f"OUT-{number:07d}", "parcels": 1 + number % 3, "carrier": "tcat"},
                    tenant_id=tenant,
                )


def drain(consumer: Consumer) -> int:
    handled = 0
    while (count := consumer.run_once(block_ms=200)) > 0:
        handled += count
    return handled


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def measure_stages(database: Database, backend: BusBackend, events: int, per_transaction: int) -> dict[str, float]:
    started = time.perf_counter()
    write_events(database, events, per_transaction)
    write_s = time.perf_counter() - started

    relay = OutboxRelay(database, backend, name="bench")
    started = time.perf_counter()
    relayed = 0
    while (count := relay.run_once(batch=1000)) > 0:
        relayed += count
    relay_s = time.perf_counter() - started
    if relayed != events or relay.last_error:
        raise SystemExit(f"relay published {relayed} of {events}: {relay.last_error}")

    consumer = TimedConsumer(
        backend,
        database,
        "bench-stages",
        {EVENT_TYPE: note_shipment},
        "c1",
        batch=200,
        since=datetime.now(UTC),
    )
    consumer.ensure_groups()
    started = time.perf_counter()
    handled = drain(consumer)
    consume_s = time.perf_counter() - started
    if handled != events:
        raise SystemExit(f"consumer handled {handled} of {events}")
    return {
        "write_events_per_s": events / write_s,
        "relay_events_per_s": events / relay_s,
        "consume_events_per_s": events / consume_s,
        "serial_end_to_end_events_per_s": events / (write_s + relay_s + consume_s),
    }


def measure_pipeline(
    database: Database,
    backend: BusBackend,
    events: int,
    rate: float,
    per_transaction: int,
    offset: int,
    relay_idle_sleep: float,
) -> dict[str, float]:
    stop = threading.Event()
    relay = OutboxRelay(database, backend, name="bench-pipeline")
    consumer = TimedConsumer(
        backend,
        database,
        "bench-pipeline",
        {PIPELINE_EVENT_TYPE: note_shipment},
        "c1",
        batch=200,
        block_ms=100,
        since=datetime.now(UTC),
    )
    consumer.ensure_groups()
    relay_thread = threading.Thread(target=relay.run_forever, args=(stop, relay_idle_sleep), daemon=True)
    consumer_thread = threading.Thread(target=consumer.run_forever, args=(stop,), daemon=True)
    relay_thread.start()
    consumer_thread.start()
    started = time.perf_counter()
    written = 0
    while written < events:
        # Pace the writer: a steady stream of requests, not one burst.
        due = started + written / rate if rate > 0 else 0
        pause = due - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        write_events(database, per_transaction, per_transaction, offset + written, PIPELINE_EVENT_TYPE)
        written += per_transaction
    deadline = time.monotonic() + 120
    while len(consumer.latencies) < events and time.monotonic() < deadline:
        time.sleep(0.01)
    elapsed = time.perf_counter() - started
    stop.set()
    relay_thread.join(10)
    consumer_thread.join(10)
    latencies = consumer.latencies
    if len(latencies) < events:
        raise SystemExit(f"pipeline handled {len(latencies)} of {events} within the deadline")
    # Where the time goes: commit -> on the bus (relay lag) is read back from the outbox.
    with database.system_transaction() as session:
        relay_lags = [
            (published - created).total_seconds()
            for created, published in session.execute(
                select(OutboxEvent.created_at, OutboxEvent.published_at).where(OutboxEvent.created_at >= consumer.since)
            )
            if published is not None
        ]
    return {
        "pipeline_events_per_s": len(latencies) / elapsed,
        "relay_lag_p50_ms": percentile(relay_lags, 0.50) * 1000,
        "relay_lag_p95_ms": percentile(relay_lags, 0.95) * 1000,
        "latency_p50_ms": percentile(latencies, 0.50) * 1000,
        "latency_p95_ms": percentile(latencies, 0.95) * 1000,
        "latency_p99_ms": percentile(latencies, 0.99) * 1000,
        "latency_max_ms": max(latencies) * 1000,
        "latency_mean_ms": statistics.fmean(latencies) * 1000,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000, help="events for the stage run")
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--bus", choices=["redis", "embedded"], default="redis")
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--per-transaction", type=int, default=10, help="events per writing transaction")
    parser.add_argument(
        "--pipeline-events", type=int, default=5_000, help="events for the latency run (capped at 30 s of writing)"
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=None,
        help="pipeline writer pace, events/s; default half the slowest stage's measured rate, so latency is "
        "measured below saturation rather than as a growing queue (0 = flat out)",
    )
    parser.add_argument("--relay-idle-sleep", type=float, default=0.05, help="relay's pause between empty passes")
    args = parser.parse_args(argv)

    with ExitStack() as cleanup:
        workdir = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="bus-bench-")))
        if args.db == "sqlite":
            database = Database(f"sqlite:///{workdir / 'service.db'}")
        else:
            schema = "bench_" + uuid.uuid4().hex[:10]
            admin = create_engine(args.postgres_url, isolation_level="AUTOCOMMIT")

            def drop_schema() -> None:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                admin.dispose()

            cleanup.callback(drop_schema)
            database = Database(args.postgres_url, schema=schema)
            database.ensure_schema()
        cleanup.callback(database.dispose)
        create_bus_tables(database.engine)
        BenchBase.metadata.create_all(database.engine)

        backend: BusBackend
        if args.bus == "redis":
            redis_backend = RedisBusBackend.from_url(
                args.redis_url, namespace=f"bench-{uuid.uuid4().hex[:10]}:", maxlen=None
            )
            cleanup.callback(redis_backend.close)
            cleanup.callback(redis_backend.delete_namespace)
            backend = redis_backend
        else:
            backend = EmbeddedBusBackend(workdir / "bus.db", maxlen=None)
            cleanup.callback(backend.close)

        print(
            f"bus benchmark: db={args.db} bus={args.bus} events={args.events} per_transaction={args.per_transaction}",
            flush=True,
        )
        figures: dict[str, object] = {"db": args.db, "bus": args.bus, "events": args.events}
        stages = measure_stages(database, backend, args.events, args.per_transaction)
        for name, value in stages.items():
            print(f"  {name:34s} {value:10.0f}", flush=True)
        slowest = min(stages["write_events_per_s"], stages["relay_events_per_s"], stages["consume_events_per_s"])
        rate = slowest / 2 if args.rate is None else args.rate
        pipeline_events = args.pipeline_events if rate <= 0 else min(args.pipeline_events, max(100, int(rate * 30)))
        pipeline_events -= pipeline_events % args.per_transaction
        print(f"  pipeline: {pipeline_events} events written at {rate:.0f}/s", flush=True)
        pipeline = measure_pipeline(
            database, backend, pipeline_events, rate, args.per_transaction, args.events, args.relay_idle_sleep
        )
        for name, value in pipeline.items():
            print(f"  {name:34s} {value:10.1f}", flush=True)
        figures.update(stages)
        figures.update(pipeline)
        figures.update({"pipeline_events": pipeline_events, "rate": rate})
        print(json.dumps({k: round(v, 1) if isinstance(v, float) else v for k, v in figures.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
