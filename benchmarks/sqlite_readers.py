"""Concurrent reads on the embedded default (SQLite in WAL mode): latency of a list endpoint.

A service (the platform's sample service) on a SQLite file behind a real uvicorn server; N
client threads (in a separate process, so they do not share the server's GIL) each GET the
tenant's list page in a loop for a few seconds, optionally while a writer thread POSTs one row
after another (each POST takes the write lock). Prints p50/p95/p99
of the reads as JSON. Before sessions began deferred every read took SQLite's write lock
(``BEGIN IMMEDIATE``), so readers queued behind each other and behind every writer.

    .venv/bin/python benchmarks/sqlite_readers.py --clients 20 --seconds 10
    .venv/bin/python benchmarks/sqlite_readers.py --clients 1 --seconds 5 --no-writer

``--target orders`` reads dispatch's ``GET /api/v1/orders`` (12 orders, as issue 17 measured it)
instead of the sample service's notes; ``--profile N`` runs N of those reads in-process under
cProfile and prints where the CPU goes (no server, no concurrency).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import multiprocessing
import pstats
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from smartdist.service import ServiceDefinition
from smartdist.testing.browser import live_server
from smartdist.testing.platform import ServiceUnderTest, service_under_test
from smartdist.testing.sample import SAMPLE, SampleBase


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass(frozen=True)
class Target:
    """What the readers read and the writer writes."""

    definition: ServiceDefinition
    roles: tuple[str, ...]
    read: str
    write: str
    body: Callable[[int], dict[str, Any]]


def _order(i: int) -> dict[str, Any]:
    return {"order_no": f"B-{i}-{time.monotonic_ns()}", "customer_name": "林小姐", "lat": 25.05, "lng": 121.55}


def _target(name: str) -> Target:
    if name == "orders":
        from smartdist_dispatch.app import DEFINITION  # a benchmark of the platform may read any service

        return Target(DEFINITION, ("dispatcher",), "/api/v1/orders", "/api/v1/orders", _order)
    return Target(SAMPLE, ("clerk",), "/api/v1/notes?limit=50", "/api/v1/notes", lambda i: {"text": f"note {i}"})


def profile(svc: ServiceUnderTest, target: Target, headers: dict[str, str], reads: int, dump: str | None) -> None:
    """``reads`` GETs under cProfile, the whole request in this one thread: the app on an asyncio loop
    here (httpx's ASGI transport) and its sync handlers and dependencies run inline instead of in the
    thread pool, so the profile sees middleware, dependencies, SQL and serialisation."""
    import anyio.to_thread

    async def inline(func: Callable[..., Any], *args: Any, **_: Any) -> Any:
        return func(*args)

    anyio.to_thread.run_sync = inline  # type: ignore[assignment]

    async def run(profiled: bool) -> float:
        transport = httpx.ASGITransport(app=svc.client.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench", headers=headers) as client:
            for _ in range(20):  # warm caches (routes, compiled SQL) before measuring
                (await client.get(target.read)).raise_for_status()
            started = time.process_time()
            if profiled:
                profiler.enable()
            for _ in range(reads):
                (await client.get(target.read)).raise_for_status()
            if profiled:
                profiler.disable()
            return time.process_time() - started

    profiler = cProfile.Profile()
    cpu = asyncio.run(run(False))
    print(f"{reads} reads in one thread, no profiler: {cpu / reads * 1000:.2f} ms CPU each (ASGI client included)")
    elapsed = asyncio.run(run(True))
    if dump:
        profiler.dump_stats(dump)  # for pstats' print_callees / snakeviz
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(70)
    stats.sort_stats("tottime").print_stats(30)
    print(f"{reads} reads in one thread, profiled: {elapsed / reads * 1000:.2f} ms CPU each")
    print(out.getvalue())


def read_loop(base: str, headers: dict[str, str], path: str, clients: int, seconds: float, answers: Any) -> None:
    """``clients`` threads GET ``path`` in a loop for ``seconds``; the latencies go back on ``answers``."""
    stop = threading.Event()
    latencies: list[float] = []
    lock = threading.Lock()

    def reader() -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
            while not stop.is_set():
                started = time.perf_counter()
                client.get(path).raise_for_status()
                with lock:
                    latencies.append(time.perf_counter() - started)

    threads = [threading.Thread(target=reader) for _ in range(clients)]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    answers.put(latencies)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rows", type=int, default=None, help="rows in the list (default: 12 orders, 50 notes)")
    parser.add_argument("--no-writer", action="store_true", help="reads only")
    parser.add_argument("--target", choices=("notes", "orders"), default="notes")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="profile N in-process reads instead")
    parser.add_argument("--profile-out", default=None, metavar="FILE", help="also dump the profile (pstats)")
    args = parser.parse_args(argv)
    target = _target(args.target)
    rows = args.rows if args.rows is not None else (12 if args.target == "orders" else 50)

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        with service_under_test(target.definition, url, None, Path(tmp) / "data") as svc:
            if target.definition is SAMPLE:
                SampleBase.metadata.create_all(svc.database.engine)
            tenant = svc.new_tenant()
            headers = svc.headers(tenant, roles=list(target.roles))
            for i in range(rows):
                svc.client.post(target.write, json=target.body(i), headers=headers).raise_for_status()
            if args.profile:
                profile(svc, target, headers, args.profile, args.profile_out)
                return 0
            with live_server(svc.client.app) as base:
                # The clients run in another process, so their CPU does not share the server's GIL
                # (as outside clients would not); the writer, if any, stays in this one.
                context = multiprocessing.get_context("spawn")
                answers = context.Queue()
                readers = context.Process(
                    target=read_loop, args=(base, headers, target.read, args.clients, args.seconds, answers)
                )
                stop = threading.Event()
                writes = [0]

                def writer() -> None:
                    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
                        while not stop.is_set():
                            client.post(target.write, json=target.body(writes[0])).raise_for_status()
                            writes[0] += 1

                thread = threading.Thread(target=writer)
                cpu_started = time.process_time()  # this process is the server (and the writer, if any)
                readers.start()
                if not args.no_writer:
                    thread.start()
                latencies: list[float] = answers.get(timeout=args.seconds + 120)
                server_cpu = time.process_time() - cpu_started
                readers.join()
                stop.set()
                if thread.is_alive():
                    thread.join()
    print(
        json.dumps(
            {
                "target": args.target,
                "clients": args.clients,
                "writer": not args.no_writer,
                "reads": len(latencies),
                "writes": writes[0],
                "reads_per_s": round(len(latencies) / args.seconds, 1),
                "p50_ms": round(statistics.median(latencies) * 1000, 1),
                "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
                "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
                # Server CPU per read; with one process (one GIL), N closed-loop clients wait on
                # average at least N times this (Little's law), whatever else is done.
                "server_cpu_ms_per_read": round(server_cpu / max(len(latencies), 1) * 1000, 2),
                "mean_latency_floor_ms": round(args.clients * server_cpu / max(len(latencies), 1) * 1000, 1),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
