"""Pick confirmations per second over HTTP against PostgreSQL, and the ledger check afterwards.

    .venv/bin/python services/wms/benchmarks/pick_throughput.py [--orders 300] [--clients 16] [--workers 2]

Starts the WMS as a real server (uvicorn in a subprocess, ``--workers`` processes) on a fresh
PostgreSQL database, sets up products, one location each with stock, and ``--orders`` outbound
orders of ``--lines`` lines (2 units each) allocated through the API. Then ``--clients`` PDAs at
once work through the orders as the PDA page does: read the pick list, confirm each unit by a
scan (``POST .../picks`` with its own Idempotency-Key). Prints picks per second, latency p50 /
p95 / p99 of the pick calls, the server's CPU per call (and per call of /healthz and of a
one-SELECT authenticated GET, to show where a call's time goes), and the rebuild-from-ledger
check (stock rows against the movement ledger and the orders' open allocations) plus a count of
orders left not fully picked.
"""

from __future__ import annotations

import argparse
import os
import queue
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from smartdist.auth.keys import generate_pem_pair
from smartdist.auth.tokens import TokenSigner
from smartdist.db import Database
from smartdist.migrate import upgrade
from smartdist.testing.servers import POSTGRES_URL, throwaway_database
from smartdist_wms.app import DEFINITION

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def process_tree_cpu_s(root: int) -> float:
    """User + system CPU seconds of a process and its children (Linux /proc), so a figure per
    pick can be read even on a machine busy with other work."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    tree, todo = {root}, [root]
    while todo:
        pid = todo.pop()
        for child, parent in parents.items():
            if parent == pid and child not in tree:
                tree.add(child)
                todo.append(child)
    return sum(times.get(pid, 0.0) for pid in tree)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--lines", type=int, default=4, help="lines per order (2 units each, 1 scan per unit)")
    parser.add_argument("--clients", type=int, default=16, help="PDAs confirming picks at once")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--postgres", default=POSTGRES_URL)
    args = parser.parse_args()

    pair = generate_pem_pair()
    assert pair.private_pem is not None
    signer = TokenSigner(pair.private_pem)
    tenant = uuid.uuid4().hex
    token, _ = signer.issue(kind="user", subject="bench", tenant_id=tenant, roles=["clerk", "warehouse"], ttl_s=7200)
    headers = {"Authorization": f"Bearer {token}"}

    with throwaway_database(args.postgres) as url, tempfile.TemporaryDirectory() as data_dir:
        # Migrate once here: several workers starting at once would race on the migrations.
        database = Database(url, schema=DEFINITION.schema)
        database.ensure_schema()
        upgrade(database, DEFINITION.package, DEFINITION.base)
        database.dispose()
        port = free_port()
        env = os.environ | {
            "SMARTDIST_DATA_DIR": data_dir,
            "SMARTDIST_WMS_DATABASE_URL": url,
            "SMARTDIST_AUTH_PRIVATE_KEY": pair.private_pem,
            "SMARTDIST_AUTH_PUBLIC_KEY": pair.public_pem,
            "SMARTDIST_LOG_LEVEL": "WARNING",
            "SMARTDIST_RUN_BACKGROUND": "false",  # picks write no events; the relay would only poll
        }
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "smartdist_wms.app:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            env=env,
            cwd=ROOT,
        )
        base = f"http://127.0.0.1:{port}/api/v1"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the WMS server did not start")
                time.sleep(0.2)
            run(base, headers, args, lambda: process_tree_cpu_s(server.pid))
        finally:
            server.terminate()
            server.wait(20)


def run(base: str, headers: dict[str, str], args: argparse.Namespace, server_cpu_s: Callable[[], float]) -> None:
    local = threading.local()

    def client() -> httpx.Client:
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=base, headers=headers, timeout=30)
        return local.client  # type: ignore[no-any-return]

    def post(path: str, body: Any = None, *, expect: int = 201, key: str | None = None) -> Any:
        extra = {"Idempotency-Key": key} if key else {}
        r = client().post(path, json=body, headers=extra)
        assert r.status_code == expect, (path, r.status_code, r.text)
        return r.json()

    skus = max(args.lines * 10, 40)
    started = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        list(
            pool.map(
                lambda i: post("/products", {"sku": f"P{i:04d}", "name": f"item {i}", "barcode": f"47100{i:08d}"}),
                range(skus),
            )
        )
        list(pool.map(lambda i: post("/locations", {"code": f"A-{i:04d}", "zone": "A", "sequence": i}), range(skus)))
        list(
            pool.map(
                lambda i: post(
                    "/stock/adjustments",
                    {"sku": f"P{i:04d}", "location": f"A-{i:04d}", "qty": 100_000, "reason": "bench"},
                ),
                range(skus),
            )
        )

        def make_order(n: int) -> int:
            lines = [{"sku": f"P{(n * 7 + k * 3) % skus:04d}", "qty": 2} for k in range(args.lines)]
            lines = list({line["sku"]: line for line in lines}.values())
            order = post("/outbound-orders", {"ref": f"SO-{n}", "lines": lines})
            post(f"/outbound-orders/{order['id']}/allocate", expect=200)
            return int(order["id"])

        order_ids = list(pool.map(make_order, range(args.orders)))
    print(
        f"set-up: {skus} products and locations, {len(order_ids)} allocated orders "
        f"in {time.perf_counter() - started:.1f} s"
    )

    work: queue.Queue[int] = queue.Queue()
    for oid in order_ids:
        work.put(oid)
    latencies: list[float] = []
    lists: list[float] = []
    lock = threading.Lock()
    errors: list[str] = []

    def pda() -> None:
        c = client()
        mine: list[float] = []
        my_lists: list[float] = []
        while True:
            try:
                oid = work.get_nowait()
            except queue.Empty:
                break
            t0 = time.perf_counter()
            tasks = c.get(f"/outbound-orders/{oid}/pick-list").json()["tasks"]
            my_lists.append(time.perf_counter() - t0)
            for task in tasks:
                for _ in range(task["remaining"]):
                    body = {"location": task["location"], "sku": task["barcode"] or task["sku"], "qty": 1}
                    t0 = time.perf_counter()
                    r = c.post(
                        f"/outbound-orders/{oid}/picks", json=body, headers={"Idempotency-Key": uuid.uuid4().hex}
                    )
                    mine.append(time.perf_counter() - t0)
                    if r.status_code != 201:
                        errors.append(f"{r.status_code} {r.text[:200]}")
        with lock:
            latencies.extend(mine)
            lists.extend(my_lists)

    started = time.perf_counter()
    cpu_before = server_cpu_s()
    threads = [threading.Thread(target=pda) for _ in range(args.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    server_cpu = server_cpu_s() - cpu_before

    ms = [x * 1000 for x in latencies]
    print(
        f"picks: {len(ms)} by {args.clients} PDAs against {args.workers} worker(s) in {elapsed:.1f} s "
        f"= {len(ms) / elapsed:.0f} picks/s (plus {len(lists)} pick-list reads)"
    )
    print(
        f"pick latency ms: p50 {percentile(ms, 50):.1f}  p95 {percentile(ms, 95):.1f}  p99 {percentile(ms, 99):.1f}  "
        f"mean {statistics.fmean(ms):.1f}  max {max(ms):.1f}"
    )
    calls = len(ms) + len(lists)
    print(
        f"server CPU: {server_cpu:.1f} s over {calls} calls = {server_cpu / calls * 1000:.2f} ms per call "
        f"(the busier the machine, the more the latencies above exceed this)"
    )
    print(f"pick-list read ms: p50 {percentile([x * 1000 for x in lists], 50):.1f}")
    print(f"refused picks: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))

    # Where a call's time goes: the same clients on the cheapest calls of the same server.
    for label, path in (
        ("GET /healthz (HTTP stack only)", base.removesuffix("/api/v1") + "/healthz"),
        ("GET /warehouse-settings (+ token, tenant session, 1 SELECT)", base + "/warehouse-settings"),
    ):
        calls_each = max(200, len(ms) // 2)
        before = server_cpu_s()
        t0 = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            list(pool.map(lambda _, url=path: client().get(url).raise_for_status(), range(calls_each)))
        wall = time.perf_counter() - t0
        cpu = server_cpu_s() - before
        print(f"{label}: {calls_each / wall:.0f}/s, server CPU {cpu / calls_each * 1000:.2f} ms per call")

    with httpx.Client(base_url=base, headers=headers, timeout=60) as c:
        check = c.get("/stock/ledger-check").json()
        not_picked = 0
        cursor = None
        while True:
            params = {"limit": 500} | ({"cursor": cursor} if cursor else {})
            page = c.get("/outbound-orders", params=params).json()
            not_picked += sum(o["status"] != "picked" for o in page["items"])
            cursor = page["next_cursor"]
            if not cursor:
                break
    print(
        f"ledger check: {check['items']} stock rows, {check['movements']} movements, "
        f"mismatches {len(check['mismatches'])}, allocation mismatches {len(check['allocation_mismatches'])}, "
        f"negative {check['negative']}, over-allocated {check['over_allocated']} "
        f"-> {'OK' if check['ok'] else 'FAILED'}; "
        f"orders not fully picked: {not_picked}"
    )


if __name__ == "__main__":
    main()
