"""Concurrent reads on the embedded default (SQLite in WAL mode): latency of a list endpoint.

A service (the platform's sample service) on a SQLite file behind a real uvicorn server; N
client threads each GET the tenant's list page in a loop for a few seconds, optionally while a
writer thread POSTs one row after another (each POST takes the write lock). Prints p50/p95/p99
of the reads as JSON. Before sessions began deferred every read took SQLite's write lock
(``BEGIN IMMEDIATE``), so readers queued behind each other and behind every writer.

    .venv/bin/python benchmarks/sqlite_readers.py --clients 20 --seconds 10
    .venv/bin/python benchmarks/sqlite_readers.py --clients 1 --seconds 5 --no-writer
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from smartdist.testing.browser import live_server
from smartdist.testing.platform import service_under_test
from smartdist.testing.sample import SAMPLE, SampleBase


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rows", type=int, default=50, help="rows in the list the readers page through")
    parser.add_argument("--no-writer", action="store_true", help="reads only")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        with service_under_test(SAMPLE, url, None, Path(tmp) / "data") as svc:
            SampleBase.metadata.create_all(svc.database.engine)
            tenant = svc.new_tenant()
            headers = svc.headers(tenant, roles=["clerk"])
            with live_server(svc.client.app) as base:
                with httpx.Client(base_url=base, headers=headers, timeout=60) as seed:
                    for i in range(args.rows):
                        seed.post("/api/v1/notes", json={"text": f"note {i}"}).raise_for_status()
                stop = threading.Event()
                latencies: list[float] = []
                writes = [0]
                lock = threading.Lock()

                def reader() -> None:
                    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
                        while not stop.is_set():
                            started = time.perf_counter()
                            client.get("/api/v1/notes?limit=50").raise_for_status()
                            with lock:
                                latencies.append(time.perf_counter() - started)

                def writer() -> None:
                    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
                        while not stop.is_set():
                            client.post("/api/v1/notes", json={"text": "more"}).raise_for_status()
                            writes[0] += 1

                threads = [threading.Thread(target=reader) for _ in range(args.clients)]
                if not args.no_writer:
                    threads.append(threading.Thread(target=writer))
                for thread in threads:
                    thread.start()
                time.sleep(args.seconds)
                stop.set()
                for thread in threads:
                    thread.join()
    print(
        json.dumps(
            {
                "clients": args.clients,
                "writer": not args.no_writer,
                "reads": len(latencies),
                "writes": writes[0],
                "reads_per_s": round(len(latencies) / args.seconds, 1),
                "p50_ms": round(statistics.median(latencies) * 1000, 1),
                "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
                "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
