"""Load and faults across the whole platform: mixed traffic on all six services for a few minutes,
one service process killed and restarted and Redis restarted in the middle, then a ledger check
that nothing was lost or done twice.

The processes are those of deploy/compose.yaml, on this machine (no Docker): one PostgreSQL
database made for the run, a Redis of the run's own (append-only file, as compose runs it, so it
can be restarted without touching anybody else's), `smartdist migrate`, the console and the six
services (`smartdist serve ...`), a Celery worker and the outbox relay.

Traffic, from `--clients` asyncio clients, as integrators and pages send it: dispatch orders
created and listed, WMS stock adjustments and stock reads, broker quotes, nearby surplus listings,
virtual-store campaigns, forecast and console KPI summaries. Every write carries an
`Idempotency-Key` and is retried with the same key after a connection error or a 5xx, as a
careful client does; a request's first answer counts for the error rate.

Afterwards, with the relay and the consumers given time to drain:
- documents: every order the clients were told was created exists once; the stock on hand equals
  the sum of the adjustments that were acknowledged (none lost, none applied twice);
- KPI records: one `created` record per order, no more;
- events: every outbox row published; each published in the Redis stream; each processed exactly
  once by its consumer group (dispatch `order.created` by the broker, WMS `stock.changed` by the
  forecast); no dead letters.

    .venv/bin/python benchmarks/load_and_fault.py --duration 180 --clients 8

Prints the figures per service and the checks; exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy
from sqlalchemy import func, select

from smartdist.auth.keys import generate_pem_pair
from smartdist.bus.backends import DEAD_LETTER_STREAM
from smartdist.bus.models import OutboxEvent, ProcessedEvent
from smartdist.config import schema_name
from smartdist.kpi.models import KpiRecord
from smartdist.testing.processes import SMARTDIST, PrivateRedis, Process, serve
from smartdist.testing.servers import postgres_available

SERVICES = ("dispatch", "forecast", "wms", "delivery-broker", "surplus-market", "virtual-store")
SKUS = [f"LF-{n:03d}" for n in range(8)]
LOCATIONS = [f"A-{n:02d}" for n in range(4)]
TAIPEI = (25.0330, 121.5654)
RETRY_FOR_S = 90.0
DRAIN_TIMEOUT_S = 90.0


@dataclass
class Outcome:
    service: str
    kind: str
    latency_s: float
    first_status: int  # 0 = no answer (connection refused, timeout)
    final_status: int
    retries: int


@dataclass
class Ledger:
    """What the clients were told: the truth the services' data is checked against."""

    orders: set[str] = field(default_factory=set)
    adjustments: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    outcomes: list[Outcome] = field(default_factory=list)
    faults: list[tuple[float, str]] = field(default_factory=list)


class Platform:
    """The run's database, Redis and processes."""

    def __init__(self, work: Path, ready_timeout_s: float) -> None:
        self.work = work
        self.ready_timeout_s = ready_timeout_s
        self.redis = PrivateRedis(work / "redis")
        admin = sqlalchemy.make_url(postgres_available())
        self.db_name = "smartdist_load_" + uuid.uuid4().hex[:10]
        self.admin_engine = sqlalchemy.create_engine(admin, isolation_level="AUTOCOMMIT")
        self.database_url = admin.set(database=self.db_name).render_as_string(hide_password=False)
        self.processes: dict[str, Process] = {}
        self.namespace = "load-" + uuid.uuid4().hex[:8]
        self.environment: dict[str, str] = {}
        self.api_key = ""

    def start(self) -> None:
        with self.admin_engine.connect() as connection:
            connection.execute(sqlalchemy.text(f'CREATE DATABASE "{self.db_name}"'))
        self.redis.start()
        keys = generate_pem_pair()
        assert keys.private_pem is not None
        deployed = sqlalchemy.make_url(self.database_url).set(drivername="postgresql")
        ports: dict[str, Process] = {name: serve(name, {}, self.work) for name in ("console", *SERVICES)}
        urls = {name: p.url for name, p in ports.items() if name != "console"}
        self.environment = {k: v for k, v in os.environ.items() if not k.startswith("SMARTDIST_")} | {
            "SMARTDIST_ENV": "production",
            "SMARTDIST_DATABASE_URL": deployed.render_as_string(hide_password=False),
            "SMARTDIST_REDIS_URL": self.redis.url,
            "SMARTDIST_BUS_NAMESPACE": self.namespace,
            "SMARTDIST_DATA_DIR": str(self.work / "data"),
            "SMARTDIST_CONSOLE_URL": ports["console"].url,
            "SMARTDIST_SERVICE_URLS": json.dumps(urls),
            "SMARTDIST_AUTH_PRIVATE_KEY": keys.private_pem,
            "SMARTDIST_AUTH_PUBLIC_KEY": keys.public_pem,
            "SMARTDIST_LOG_JSON": "false",
        }
        migrate = subprocess.run(
            [str(SMARTDIST), "migrate"], env=self.environment, cwd=self.work, capture_output=True, text=True
        )
        if migrate.returncode != 0:
            raise SystemExit(f"migrate failed:\n{migrate.stdout}{migrate.stderr}")
        for name, process in ports.items():
            process.environment = self.environment
            self.processes[name] = process.start()
        for name, argv in (("worker", ["smartdist", "worker"]), ("relay", ["smartdist", "bus", "relay"])):
            self.processes[name] = Process(name, argv, self.environment, self.work).start()
        for process in self.processes.values():
            if process.port is not None:
                process.wait_until_ready(self.ready_timeout_s)

    def tenant(self) -> tuple[str, str]:
        """`smartdist tenant create` as an operator runs it: (API key, tenant id)."""
        done = subprocess.run(
            [str(SMARTDIST), "tenant", "create", "--name", "負載測試商店"],
            env=self.environment,
            cwd=self.work,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode != 0:
            raise SystemExit(f"tenant create failed:\n{done.stdout}{done.stderr}")
        created = json.loads(done.stdout.strip().splitlines()[-1])
        self.api_key = str(created["api_key"])
        return self.api_key, str(created["tenant_id"])

    def url(self, service: str) -> str:
        return self.processes[service].url

    def engine(self, service: str) -> sqlalchemy.Engine:
        schema = schema_name(service)
        return sqlalchemy.create_engine(
            sqlalchemy.make_url(self.database_url), connect_args={"options": f"-csearch_path={schema}"}
        )

    def stop(self) -> None:
        for process in self.processes.values():
            with contextlib.suppress(AssertionError):
                process.stop()
        self.redis.stop()
        with self.admin_engine.connect() as connection:
            connection.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)'))
        self.admin_engine.dispose()


async def call(
    client: httpx.AsyncClient,
    ledger: Ledger,
    service: str,
    kind: str,
    method: str,
    url: str,
    *,
    body: Any = None,
    key: str | None = None,
) -> httpx.Response | None:
    """One request, retried with the same Idempotency-Key while the answer is no answer or 5xx."""
    headers = {"Idempotency-Key": key} if key else {}
    began = time.monotonic()
    first = -1
    retries = 0
    while True:
        try:
            answer: httpx.Response | None = await client.request(method, url, json=body, headers=headers)
            status = answer.status_code if answer is not None else 0
        except httpx.TransportError:
            answer, status = None, 0
        if first < 0:
            first = status
        retryable = status == 0 or status >= 500
        if not retryable or key is None and method != "GET" or time.monotonic() - began > RETRY_FOR_S:
            break
        retries += 1
        await asyncio.sleep(min(0.2 * 2**retries, 3.0))
    ledger.outcomes.append(Outcome(service, kind, time.monotonic() - began, first, status, retries))
    return answer


def requests(platform: Platform, ledger: Ledger) -> list[tuple[int, Callable[[httpx.AsyncClient], Awaitable[None]]]]:
    """(weight, request) pairs: the traffic mix."""

    async def create_order(client: httpx.AsyncClient) -> None:
        order_no = "LD-" + uuid.uuid4().hex[:12]
        body = {
            "order_no": order_no,
            "customer_name": "負載測試",
            "lat": TAIPEI[0] + random.uniform(-0.03, 0.03),
            "lng": TAIPEI[1] + random.uniform(-0.03, 0.03),
        }
        url = f"{platform.url('dispatch')}/api/v1/orders"
        answer = await call(client, ledger, "dispatch", "create_order", "POST", url, body=body, key=order_no)
        if answer is not None and answer.status_code == 201:
            ledger.orders.add(order_no)

    async def list_orders(client: httpx.AsyncClient) -> None:
        await call(client, ledger, "dispatch", "list_orders", "GET", f"{platform.url('dispatch')}/api/v1/orders")

    async def adjust(client: httpx.AsyncClient) -> None:
        sku, location = random.choice(SKUS), random.choice(LOCATIONS)
        body = {"sku": sku, "location": location, "qty": 1, "reason": "load-test count"}
        url = f"{platform.url('wms')}/api/v1/stock/adjustments"
        answer = await call(client, ledger, "wms", "adjust", "POST", url, body=body, key=uuid.uuid4().hex)
        if answer is not None and answer.status_code == 201:
            ledger.adjustments[(sku, location)] += 1

    async def stock(client: httpx.AsyncClient) -> None:
        await call(client, ledger, "wms", "stock", "GET", f"{platform.url('wms')}/api/v1/stock")

    async def quote(client: httpx.AsyncClient) -> None:
        body = {
            "pickup": {"lat": TAIPEI[0], "lng": TAIPEI[1], "address": "台北市信義區市府路1號"},
            "dropoff": {"lat": TAIPEI[0] + 0.01, "lng": TAIPEI[1] + 0.01, "address": "台北市信義區松仁路100號"},
            "cod_amount": 0,
        }
        url = f"{platform.url('delivery-broker')}/api/v1/quotes"
        await call(client, ledger, "delivery-broker", "quote", "POST", url, body=body)

    async def nearby(client: httpx.AsyncClient) -> None:
        url = f"{platform.url('surplus-market')}/api/v1/listings/nearby?lat={TAIPEI[0]}&lng={TAIPEI[1]}&radius_m=5000"
        await call(client, ledger, "surplus-market", "nearby", "GET", url)

    async def campaigns(client: httpx.AsyncClient) -> None:
        await call(
            client, ledger, "virtual-store", "campaigns", "GET", f"{platform.url('virtual-store')}/api/v1/campaigns"
        )

    async def forecast_kpi(client: httpx.AsyncClient) -> None:
        await call(client, ledger, "forecast", "kpi", "GET", f"{platform.url('forecast')}/api/v1/kpi/summary")

    async def console(client: httpx.AsyncClient) -> None:
        await call(client, ledger, "console", "tenant", "GET", f"{platform.url('console')}/api/v1/tenant")

    return [
        (4, create_order),
        (2, list_orders),
        (4, adjust),
        (2, stock),
        (1, quote),
        (2, nearby),
        (1, campaigns),
        (1, forecast_kpi),
        (1, console),
    ]


async def seed(platform: Platform, client: httpx.AsyncClient) -> None:
    wms = f"{platform.url('wms')}/api/v1"
    for sku in SKUS:
        body = {"sku": sku, "name": f"負載測試商品 {sku}", "tracking": "none"}
        answer = await client.post(f"{wms}/products", json=body, headers={"Idempotency-Key": "p-" + sku})
        assert answer.status_code in (201, 409), answer.text
    for code in LOCATIONS:
        answer = await client.post(f"{wms}/locations", json={"code": code}, headers={"Idempotency-Key": "l-" + code})
        assert answer.status_code in (201, 409), answer.text


async def load(platform: Platform, ledger: Ledger, api_key: str, duration_s: float, clients: int, victim: str) -> None:
    mix = requests(platform, ledger)
    weights = [w for w, _ in mix]
    started = time.monotonic()
    stop_at = started + duration_s

    async def client_loop() -> None:
        async with httpx.AsyncClient(headers={"Authorization": f"Bearer {api_key}"}, timeout=30) as client:
            while time.monotonic() < stop_at:
                _, request = random.choices(mix, weights)[0]
                await request(client)

    async def faults() -> None:
        await asyncio.sleep(duration_s / 3)
        process = platform.processes[victim]
        ledger.faults.append((time.monotonic() - started, f"{victim}: SIGKILL"))
        await asyncio.to_thread(process.stop, signal.SIGKILL)
        process.start()
        await asyncio.to_thread(process.wait_until_ready, platform.ready_timeout_s)
        ledger.faults.append((time.monotonic() - started, f"{victim}: ready again"))
        await asyncio.sleep(max(duration_s / 2 - (time.monotonic() - started), 0))
        ledger.faults.append((time.monotonic() - started, "redis: restart"))
        away = await asyncio.to_thread(platform.redis.restart)
        ledger.faults.append((time.monotonic() - started, f"redis: back after {away:.1f} s"))

    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {api_key}"}, timeout=30) as client:
        await seed(platform, client)
    await asyncio.gather(faults(), *(client_loop() for _ in range(clients)))


def wait_for(probe: Callable[[], bool], timeout_s: float = DRAIN_TIMEOUT_S) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if probe():
            return True
        time.sleep(1)
    return probe()


def check(platform: Platform, ledger: Ledger, tenant: str) -> list[tuple[str, bool, str]]:
    results: list[tuple[str, bool, str]] = []
    engines = {name: platform.engine(name) for name in SERVICES}

    def scalar(service: str, statement: Any) -> Any:
        with engines[service].connect() as connection:
            return connection.execute(statement).scalar()

    def unpublished(service: str) -> int:
        stmt = select(func.count()).select_from(OutboxEvent).where(OutboxEvent.published_at.is_(None))
        return int(scalar(service, stmt))

    drained = wait_for(lambda: all(unpublished(s) == 0 for s in SERVICES))
    left = {s: unpublished(s) for s in SERVICES if unpublished(s)}
    results.append(("every outbox event published", drained, f"unpublished: {left or 'none'}"))

    orders_table = sqlalchemy.table("delivery_order", sqlalchemy.column("order_no"), sqlalchemy.column("tenant_id"))
    with engines["dispatch"].connect() as connection:
        rows = [
            r[0] for r in connection.execute(select(orders_table.c.order_no).where(orders_table.c.tenant_id == tenant))
        ]
    stored = Counter(r for r in rows if r.startswith("LD-"))
    lost = ledger.orders - set(stored)
    doubled = [n for n, c in stored.items() if c > 1]
    results.append(
        (
            "every acknowledged order stored once",
            not lost and not doubled,
            f"acknowledged {len(ledger.orders)}, stored {len(stored)}, lost {len(lost)}, doubled {len(doubled)}",
        )
    )

    with engines["dispatch"].connect() as connection:
        kpi_rows = connection.execute(
            select(KpiRecord.doc_no, KpiRecord.status).where(
                KpiRecord.tenant_id == tenant, KpiRecord.doc_type == "delivery_order", KpiRecord.doc_no.like("LD-%")
            )
        ).all()
    created = Counter(doc_no for doc_no, status in kpi_rows if status == "created")
    kpi_ok = set(created) == set(stored) and all(c == 1 for c in created.values())
    results.append(
        (
            "one KPI record per created order",
            kpi_ok,
            f"{len(created)} orders with a 'created' record, {sum(created.values())} records",
        )
    )

    on_hand = wms_on_hand(platform, tenant)
    expected = {f"{sku}@{loc}": qty for (sku, loc), qty in ledger.adjustments.items()}
    diff = {
        k: (expected.get(k, 0), on_hand.get(k, 0))
        for k in set(expected) | set(on_hand)
        if expected.get(k, 0) != on_hand.get(k, 0)
    }
    results.append(
        (
            "stock on hand = acknowledged adjustments",
            not diff,
            f"{sum(expected.values())} units acknowledged; differences {diff or 'none'}",
        )
    )

    for producer, event_type, consumer in (
        ("dispatch", "smartdist.dispatch.order.created", "delivery-broker"),
        ("wms", "smartdist.wms.stock.changed", "forecast"),
    ):
        with engines[producer].connect() as connection:
            ids = [r[0] for r in connection.execute(select(OutboxEvent.event_id).where(OutboxEvent.type == event_type))]

        def processed(consumer: str = consumer, ids: list[str] = ids) -> int:
            with engines[consumer].connect() as connection:
                stmt = (
                    select(func.count())
                    .select_from(ProcessedEvent)
                    .where(ProcessedEvent.consumer == consumer, ProcessedEvent.event_id.in_(ids))
                )
                return int(connection.execute(stmt).scalar() or 0)

        def all_processed(processed: Callable[[], int] = processed, outboxed: int = len(ids)) -> bool:
            return processed() == outboxed

        done = wait_for(all_processed)
        in_stream = stream_ids(platform, f"smartdist.{producer}")
        missing = set(ids) - set(in_stream)
        repeats = sum(c - 1 for c in Counter(in_stream).values() if c > 1)
        results.append(
            (
                f"{event_type}: in the stream and processed once by {consumer}",
                done and not missing,
                f"outbox {len(ids)}, in stream {len(set(in_stream) & set(ids))} (+{repeats} repeats),"
                f" processed {processed()}",
            )
        )

    dead = dead_letters(platform)
    results.append(("no dead letters", dead == 0, f"{dead} dead letters"))
    for engine in engines.values():
        engine.dispose()
    return results


def wms_on_hand(platform: Platform, tenant: str) -> dict[str, int]:
    """On hand per sku@location over the WMS's own API (as a merchant reads it)."""
    headers = {"Authorization": f"Bearer {platform.api_key}"}
    totals: dict[str, int] = defaultdict(int)
    cursor: str | None = None
    with httpx.Client(base_url=f"{platform.url('wms')}/api/v1", headers=headers, timeout=30) as client:
        while True:
            page = client.get("/stock", params={"limit": 200, **({"cursor": cursor} if cursor else {})}).json()
            for item in page["items"]:
                if item["sku"] in SKUS:
                    totals[f"{item['sku']}@{item['location']}"] += int(item["on_hand"])
            cursor = page.get("next_cursor")
            if not cursor:
                return dict(totals)


def stream_ids(platform: Platform, stream: str) -> list[str]:
    import redis

    client: Any = redis.Redis.from_url(platform.redis.url)
    key = f"{platform.namespace}:{stream}"
    ids: list[str] = []
    last = "-"
    while True:
        entries = client.xrange(key, min=last, max="+", count=1000)
        if last != "-":
            entries = entries[1:]
        if not entries:
            break
        for _, fields in entries:
            payload = fields[b"event"]
            ids.append(json.loads(payload)["id"])
        last = entries[-1][0].decode()
    client.close()
    return ids


def dead_letters(platform: Platform) -> int:
    import redis

    client = redis.Redis.from_url(platform.redis.url)
    key = f"{platform.namespace}:{DEAD_LETTER_STREAM}"
    count = int(client.xlen(key)) if client.exists(key) else 0
    client.close()
    return count


def report(ledger: Ledger, duration_s: float, results: list[tuple[str, bool, str]]) -> bool:
    print(f"\nload: {len(ledger.outcomes)} requests in {duration_s:.0f} s")
    columns = ("req", "req/s", "err 1st", "err end", "p50 ms", "p95 ms", "p99 ms", "max ms")
    print(f"{'service':16}" + "".join(f" {c:>8}" for c in columns))
    by_service: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in ledger.outcomes:
        by_service[outcome.service].append(outcome)
    for service, outcomes in sorted(by_service.items()):
        latencies = sorted(o.latency_s * 1000 for o in outcomes)
        first_errors = sum(1 for o in outcomes if o.first_status == 0 or o.first_status >= 500)
        final_errors = sum(1 for o in outcomes if o.final_status == 0 or o.final_status >= 500)
        q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
        print(
            f"{service:16} {len(outcomes):8d} {len(outcomes) / duration_s:8.1f} {first_errors / len(outcomes):8.2%}"
            f" {final_errors / len(outcomes):8.2%} {q[49]:8.0f} {q[94]:8.0f} {q[98]:8.0f} {latencies[-1]:8.0f}"
        )
    statuses = Counter((o.service, o.kind, o.final_status) for o in ledger.outcomes if o.final_status not in (200, 201))
    if statuses:
        print("answers other than 200/201 (after retries):", dict(statuses))
    print("\nfaults:")
    for at, what in ledger.faults:
        print(f"  t={at:6.1f} s  {what}")
    print("\nchecks:")
    for name, passed, detail in results:
        print(f"  [{'ok' if passed else 'FAIL'}] {name}: {detail}")
    return all(passed for _, passed, _ in results)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=180.0, help="seconds of load (default 180)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--restart", default="dispatch", choices=SERVICES, help="the service process killed mid-run")
    parser.add_argument("--ready-timeout", type=float, default=300.0, help="seconds a process may take to start")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs) afterwards")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="smartdist-load-"))
    platform = Platform(work, args.ready_timeout)
    ledger = Ledger()
    try:
        began = time.monotonic()
        platform.start()
        api_key, tenant = platform.tenant()
        print(f"platform up in {time.monotonic() - began:.0f} s (logs in {work})")
        asyncio.run(load(platform, ledger, api_key, args.duration, args.clients, args.restart))
        results = check(platform, ledger, tenant)
        dead = [name for name, p in platform.processes.items() if not p.running()]
        results.append(("every process still running", not dead, f"stopped: {dead or 'none'}"))
        passed = report(ledger, args.duration, results)
    finally:
        platform.stop()
        if not args.keep:
            import shutil

            shutil.rmtree(work, ignore_errors=True)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
