"""Quote latency percentiles: all sandboxes healthy, then with one platform hanging.

    PYTHONPATH=services/delivery-broker/src .venv/bin/python services/delivery-broker/benchmarks/quote_latency.py
    ... quote_latency.py --url http://127.0.0.1:8000/delivery-broker --token $API_KEY   # a running service

In-process mode measures the broker's own quoting (parallel fan-out, deadline, pricing) with
sandboxes answering after --latency seconds; --url mode measures POST /api/v1/quotes end to end
(start that service with SMARTDIST_DELIVERY_BROKER_SANDBOX_HANG=uber_direct for the hanging run).
`--bookings` measures POST /api/v1/deliveries/instant instead (quote every platform, book the
recommended one): with a platform hanging, bookings wait its deadline side by side, not in turn.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import time
from typing import Any

from smartdist_delivery_broker.adapters.port import Place, TripRequest
from smartdist_delivery_broker.adapters.sandbox import SandboxBehaviour, sandbox_platforms
from smartdist_delivery_broker.pricing import trip_distance_m
from smartdist_delivery_broker.quotes.domain import gather_quotes


def percentiles(samples_s: list[float]) -> dict[str, float]:
    ordered = sorted(samples_s)

    def pick(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] * 1000

    return {
        "n": len(ordered),
        "p50_ms": round(pick(50), 1),
        "p95_ms": round(pick(95), 1),
        "p99_ms": round(pick(99), 1),
        "max_ms": round(ordered[-1] * 1000, 1),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 1),
    }


def random_trip(rng: random.Random) -> TripRequest:
    pickup = Place(25.03 + rng.uniform(-0.03, 0.03), 121.55 + rng.uniform(-0.03, 0.03))
    dropoff = Place(pickup.lat + rng.uniform(-0.06, 0.06), pickup.lng + rng.uniform(-0.06, 0.06))
    return TripRequest(
        pickup,
        dropoff,
        trip_distance_m(pickup.lat, pickup.lng, dropoff.lat, dropoff.lng),
        rng.choice([0, 0, 500, 1999, 2500, 5001]),
    )


async def run_in_process(
    n: int, concurrency: int, deadline_s: float, latency_s: float, hang: str | None
) -> dict[str, Any]:
    behaviours = {
        p: SandboxBehaviour(quote_latency_s=latency_s, hang_quotes=(p == hang))
        for p in ("pandago", "uber_direct", "lalamove")
    }
    platforms = sandbox_platforms(behaviours)
    rng = random.Random(1)
    samples: list[float] = []
    semaphore = asyncio.Semaphore(concurrency)

    async def one() -> None:
        trip = random_trip(rng)
        async with semaphore:
            started = time.perf_counter()
            result = await gather_quotes(trip, platforms, deadline_s=deadline_s)
            samples.append(time.perf_counter() - started)
            if hang:
                hung = result.quote_for(hang)
                assert hung is not None and not hung.available

    await asyncio.gather(*(one() for _ in range(n)))
    return percentiles(samples)


CONTACTS = {
    "pickup_contact": {"name": "Store", "phone": "+886227001234"},
    "dropoff_contact": {"name": "Lin", "phone": "+886912345678"},
}


async def run_http(url: str, token: str, n: int, concurrency: int, bookings: bool = False) -> dict[str, Any]:
    import httpx

    rng = random.Random(1)
    samples: list[float] = []
    semaphore = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:

        async def one() -> None:
            trip = random_trip(rng)
            body = {
                "pickup": {"lat": trip.pickup.lat, "lng": trip.pickup.lng},
                "dropoff": {"lat": trip.dropoff.lat, "lng": trip.dropoff.lng},
                "cod_amount": trip.cod_amount,
            }
            if bookings:  # an instant booking: quote every platform, book the recommended one
                body = {**body, **CONTACTS, "use_subsidy": False}
            async with semaphore:
                started = time.perf_counter()
                response = await client.post("/api/v1/deliveries/instant" if bookings else "/api/v1/quotes", json=body)
                samples.append(time.perf_counter() - started)
                response.raise_for_status()

        # Warm up (first requests import lazily and open the database), then measure.
        await asyncio.gather(*(one() for _ in range(min(20, n))))
        samples.clear()
        await asyncio.gather(*(one() for _ in range(n)))
    return percentiles(samples)


def serve_locally(deadline_s: float, latency_s: float, hang: str | None) -> tuple[str, str, object]:
    """Start delivery-broker with the quotes router on 127.0.0.1 (uvicorn thread); return url, token, server."""
    import socket
    import tempfile
    import threading
    from dataclasses import replace
    from pathlib import Path

    import uvicorn

    from smartdist.auth.tokens import TokenSigner
    from smartdist.config import PlatformSettings
    from smartdist.runtime import ServiceRuntime
    from smartdist.web.app import create_service_app
    from smartdist_delivery_broker.adapters.registry import PlatformRegistry
    from smartdist_delivery_broker.app import DEFINITION
    from smartdist_delivery_broker.config import Settings as BrokerPlatformSettings
    from smartdist_delivery_broker.quotes import api as quotes_http
    from smartdist_delivery_broker.quotes import service as quotes_api

    definition = replace(DEFINITION, routers=[*DEFINITION.routers, quotes_http.router])
    data_dir = Path(tempfile.mkdtemp(prefix="broker-bench-"))
    runtime = ServiceRuntime(
        definition, PlatformSettings(data_dir=data_dir, run_background=False, log_json=False, log_level="WARNING")
    )
    app = create_service_app(runtime)
    settings = BrokerPlatformSettings(
        quote_deadline_s=deadline_s, sandbox_quote_latency_s=latency_s, sandbox_hang=hang or ""
    )
    app.state.delivery_quoting = quotes_api.QuotingContext(PlatformRegistry(settings))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    assert runtime.keys.private_pem is not None
    token, _ = TokenSigner(runtime.keys.private_pem).issue(
        kind="api_key", subject="bench", tenant_id="bench-tenant", roles=["owner"], ttl_s=None
    )
    return f"http://127.0.0.1:{port}", token, server


def _serve_child(conn: Any, deadline_s: float, latency_s: float, hang: str | None) -> None:
    url, token, _server = serve_locally(deadline_s, latency_s, hang)
    conn.send((url, token))
    conn.recv()  # until the parent says stop (or dies)


def serve_in_subprocess(deadline_s: float, latency_s: float, hang: str | None) -> tuple[str, str, Any]:
    """The service in a child process, so the measuring client does not share its GIL and event
    loop time with the server (a real caller is another process, usually another machine)."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    process = ctx.Process(target=_serve_child, args=(child, deadline_s, latency_s, hang), daemon=True)
    process.start()
    url, token = parent.recv()
    return url, token, (process, parent)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=500, help="quote requests per run")
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--deadline", type=float, default=0.5, help="quote deadline (s), in-process mode")
    parser.add_argument("--latency", type=float, default=0.05, help="sandbox answer latency (s), in-process mode")
    parser.add_argument("--hang", default="uber_direct", help="platform that hangs in the second run")
    parser.add_argument("--url", help="base URL of a running delivery-broker (HTTP mode)")
    parser.add_argument("--token", help="Bearer token for HTTP mode")
    parser.add_argument("--serve", action="store_true", help="start the service locally and measure over HTTP")
    parser.add_argument(
        "--bookings", action="store_true", help="HTTP modes: POST /deliveries/instant (quote + book) instead of /quotes"
    )
    parser.add_argument(
        "--same-process",
        action="store_true",
        help="with --serve: run uvicorn in a thread of this process (client and server share the GIL)",
    )
    args = parser.parse_args()
    if args.serve:
        report: dict[str, Any] = {
            "mode": "http-local, server in "
            + ("a thread of the client's process" if args.same_process else "a child process"),
            "deadline_ms": args.deadline * 1000,
            "concurrency": args.concurrency,
            "endpoint": "/deliveries/instant" if args.bookings else "/quotes",
        }
        for label, hang in (("healthy", None), (f"{args.hang}_hanging", args.hang)):
            if args.same_process:
                url, token, server = serve_locally(args.deadline, args.latency, hang)
                report[label] = asyncio.run(run_http(url, token, args.n, args.concurrency, args.bookings))
                server.should_exit = True  # type: ignore[attr-defined]
            else:
                url, token, (process, conn) = serve_in_subprocess(args.deadline, args.latency, hang)
                try:
                    report[label] = asyncio.run(run_http(url, token, args.n, args.concurrency, args.bookings))
                finally:
                    conn.send("stop")
                    process.join(timeout=5)
                    if process.is_alive():
                        process.terminate()
            time.sleep(0.3)
        report["p99_within_deadline_plus_50ms"] = report[f"{args.hang}_hanging"]["p99_ms"] <= args.deadline * 1000 + 50
        print(json.dumps(report, indent=2))
        return
    if args.url:
        report = {
            "mode": "http",
            "url": args.url,
            **asyncio.run(run_http(args.url, args.token or "", args.n, args.concurrency, args.bookings)),
        }
        print(json.dumps(report, indent=2))
        return
    healthy = asyncio.run(run_in_process(args.n, args.concurrency, args.deadline, args.latency, None))
    hanging = asyncio.run(run_in_process(args.n, args.concurrency, args.deadline, args.latency, args.hang))
    budget_ms = args.deadline * 1000 + 50
    print(
        json.dumps(
            {
                "mode": "in-process",
                "deadline_ms": args.deadline * 1000,
                "sandbox_latency_ms": args.latency * 1000,
                "concurrency": args.concurrency,
                "healthy": healthy,
                f"{args.hang}_hanging": hanging,
                "p99_within_deadline_plus_50ms": hanging["p99_ms"] <= budget_ms,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
