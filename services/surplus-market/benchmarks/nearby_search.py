"""Nearby search latency on many listings, and reservation throughput when everyone wants the last items.

    .venv/bin/python services/surplus-market/benchmarks/nearby_search.py --listings 100000 --backend sqlite
    .venv/bin/python services/surplus-market/benchmarks/nearby_search.py --listings 1000000 --backend postgresql

Listings are spread over greater Taipei (about 33 × 40 km, 500 merchants); about 1 in 10 is
expired, sold out or a draft, as in real use. Each query is the service's own ``nearby`` (grid-cell
index ranges, then exact haversine, nearest 20) in a read-only system session, from a random point
of the area. Then --threads threads reserve one unit each of one listing holding --units units,
through the service's ``reserve`` (conditional UPDATE + sandbox authorisation, one transaction
each): successes must equal the units, and the rate is reservations per second.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import threading
import time
from contextlib import ExitStack
from datetime import timedelta

from sqlalchemy import insert, text

from smartdist.db import Database, new_id, utcnow
from smartdist.migrate import upgrade
from smartdist.problems import Problem
from smartdist.testing.servers import postgres_available, throwaway_schema
from smartdist_surplus_market.app import DEFINITION
from smartdist_surplus_market.listings.geo import cell_of
from smartdist_surplus_market.listings.models import Listing
from smartdist_surplus_market.listings.service import nearby
from smartdist_surplus_market.reservations.service import enter_tenant, reserve

LAT0, LAT1, LNG0, LNG1 = 24.95, 25.25, 121.35, 121.75
MARKDOWN = [{"hours_before": 24.0, "percent_off": 30.0}, {"hours_before": 6.0, "percent_off": 50.0}]


def fill(db: Database, n: int, rng: random.Random) -> None:
    now = utcnow()
    tenants = [new_id() for _ in range(500)]
    batch: list[dict[str, object]] = []
    started = time.perf_counter()
    for i in range(n):
        lat, lng = rng.uniform(LAT0, LAT1), rng.uniform(LNG0, LNG1)
        roll = rng.random()
        status = "draft" if roll < 0.03 else "published"
        best_before = now - timedelta(hours=1) if roll < 0.07 else now + timedelta(hours=rng.uniform(1, 72))
        quantity = 0 if roll > 0.97 else rng.randint(1, 20)
        batch.append({
            "id": new_id(), "tenant_id": tenants[i % 500], "title": f"item {i}", "mode": "store",
            "category": rng.choice(["bakery", "dairy", "meal", "produce", "drinks"]), "unit": "bag",
            "description": "", "quantity": quantity, "initial_quantity": 20, "list_price": rng.randint(30, 300),
            "floor_price": None, "markdown": MARKDOWN, "best_before": best_before, "lat": lat, "lng": lng,
            "cell": cell_of(lat, lng), "address": "", "weight_kg": 0.5, "surprise_bag": False, "status": status,
            "created_by": "bench", "created_at": now,
        })  # fmt: skip
        if len(batch) == 20_000:
            _store(db, batch)
            batch = []
    if batch:
        _store(db, batch)
    if db.is_sqlite:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    else:
        with db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE listing")
    print(f"  filled {n:,} listings in {time.perf_counter() - started:.1f} s")


def _store(db: Database, batch: list[dict[str, object]]) -> None:
    if db.is_sqlite:
        with db.system_transaction() as s:
            s.execute(insert(Listing), batch)
        return
    # PostgreSQL: COPY, so a million rows load in seconds rather than minutes.
    columns = list(batch[0])
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        with cursor.copy(f"COPY listing ({', '.join(columns)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            for row in batch:
                copy.write_row([json.dumps(row[c]) if c == "markdown" else row[c] for c in columns])
        raw.commit()
    finally:
        raw.close()


def search_latency(db: Database, rng: random.Random, radius_m: int, queries: int) -> None:
    times, found = [], []
    now = utcnow()
    with db.system_session() as s:
        for _ in range(20):  # warm the caches
            nearby(
                s,
                lat=rng.uniform(LAT0, LAT1),
                lng=rng.uniform(LNG0, LNG1),
                radius_m=radius_m,
                at=now,
                limit=20,
                cursor=None,
            )
        s.rollback()
        for _ in range(queries):
            lat, lng = rng.uniform(LAT0 + 0.02, LAT1 - 0.02), rng.uniform(LNG0 + 0.02, LNG1 - 0.02)
            t0 = time.perf_counter()
            page = nearby(s, lat=lat, lng=lng, radius_m=radius_m, at=now, limit=20, cursor=None)
            times.append((time.perf_counter() - t0) * 1000)
            found.append(len(page.items))
            s.rollback()
    times.sort()
    p = lambda q: times[min(len(times) - 1, int(q * len(times)))]  # noqa: E731
    print(
        f"  nearby radius {radius_m} m: p50 {p(0.5):.1f} ms, p95 {p(0.95):.1f} ms, p99 {p(0.99):.1f} ms "
        f"({queries} queries, {statistics.mean(found):.1f} items each)"
    )


def contention(db: Database, threads: int, units: int) -> None:
    tenant = new_id()
    listing_id = new_id()
    with db.tenant_transaction(tenant) as s:
        s.add(
            Listing(
                id=listing_id,
                tenant_id=tenant,
                title="last items",
                unit="bag",
                quantity=units,
                initial_quantity=units,
                list_price=100,
                markdown=[],
                best_before=utcnow() + timedelta(days=1),
                lat=25.03,
                lng=121.56,
                cell=cell_of(25.03, 121.56),
                status="published",
            )
        )
    results: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(threads)

    def one(k: int) -> None:
        barrier.wait()
        outcome = "ok"
        try:
            with db.system_transaction() as s:
                listing = s.get(Listing, listing_id)
                assert listing is not None
                enter_tenant(s, tenant)
                reserve(
                    s, listing, consumer_id=f"c{k}", consumer_name="", quantity=1, payment_token="tok", delivery=None
                )
        except Problem as exc:
            outcome = str(exc.status)
        with lock:
            results.append(outcome)

    workers = [threading.Thread(target=one, args=(k,)) for k in range(threads)]
    t0 = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - t0
    with db.tenant_transaction(tenant) as s:
        left = s.get(Listing, listing_id)
        assert left is not None
        remaining = left.quantity
    ok = results.count("ok")
    print(
        f"  contention: {threads} threads for {units} units -> {ok} reserved, {results.count('409')} refused 409, "
        f"{remaining} left; {len(results) / elapsed:.0f} attempts/s ({elapsed:.2f} s)"
    )
    assert ok == units and remaining == 0, "oversold or undersold"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--threads", type=int, default=64)
    parser.add_argument("--units", type=int, default=20)
    parser.add_argument("--path", default="/tmp/surplus-nearby-bench.db")
    args = parser.parse_args()
    rng = random.Random(7)
    with ExitStack() as stack:
        if args.backend == "sqlite":
            import pathlib

            for suffix in ("", "-wal", "-shm"):
                pathlib.Path(args.path + suffix).unlink(missing_ok=True)
            db = Database(f"sqlite:///{args.path}")
        else:
            url = postgres_available()
            schema = stack.enter_context(throwaway_schema(url))
            db = Database(url, schema=schema)
        upgrade(db, DEFINITION.package, DEFINITION.base)
        print(f"{args.backend}, {args.listings:,} listings")
        fill(db, args.listings, rng)
        for radius in (1000, 3000):
            search_latency(db, rng, radius, args.queries)
        contention(db, args.threads, args.units)
        with db.engine.connect() as conn:
            total = conn.execute(text("SELECT count(*) FROM listing")).scalar()
        print(f"  ({total:,} rows in the listing table)")
        db.dispose()


if __name__ == "__main__":
    main()
