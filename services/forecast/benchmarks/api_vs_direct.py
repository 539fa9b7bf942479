"""Training through the API vs calling ``run_training`` directly, on the same sales.

    PYTHONPATH=services/forecast/src nice -n 5 .venv/bin/python services/forecast/benchmarks/api_vs_direct.py \
        [--series 60 | --families 500] [--profile out.prof] [--postgres]

1. direct: POS CSV → ``demand_panel`` → ``run_training`` (horizon 28) in this thread;
2. API: the forecast service on a fresh SQLite file (or PostgreSQL schema), the same CSV through
   ``POST /sales/import`` and ``POST /training-runs``; the job's own wall time (started_at →
   finished_at) and the phases it reports through its progress messages.
``--profile`` runs the job body under cProfile in this thread instead (``train(ctx, params)``).
``--families N``: N generated series × 5 years (``unseen_series.generate_families``) instead of
the sample, e.g. 500 for the issue's "500 series × 5 years" training-run goal.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from smartdist_forecast.modelling.training import TrainingOptions, demand_panel, run_training
from smartdist_forecast.sales.pos_csv import parse_pos_csv

DATA = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "forecast"
HORIZON = 28


def sample_csv(n_series: int) -> bytes:
    lines = (DATA / "pos_sample.csv").read_text(encoding="utf-8").splitlines()
    header, rows = lines[0], lines[1:]
    keys = sorted({tuple(r.split(",", 4)[i] for i in (0, 3)) for r in rows})[:n_series]
    wanted = set(keys)
    kept = [r for r in rows if (lambda f: (f[0], f[3]) in wanted)(r.split(",", 4))]
    return ("\n".join([header, *kept]) + "\n").encode("utf-8")


def families_csv(n_series: int) -> bytes:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from unseen_series import generate_families

    rows, _ = generate_families(n_series)
    return rows.to_csv(index=False, lineterminator="\n").encode("utf-8")


def direct(data: bytes) -> dict[str, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    sales = parse_pos_csv(io.BytesIO(data)).sales
    panel = demand_panel(sales)
    run_training(panel, TrainingOptions(horizon_days=HORIZON))
    return {"wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu}


def through_api(data: bytes, postgres: bool, profile: str | None) -> dict[str, Any]:
    from smartdist.jobs import Job
    from smartdist.jobs.registry import JobContext
    from smartdist.testing.platform import service_under_test
    from smartdist.testing.servers import postgres_available, throwaway_schema
    from smartdist_forecast.app import DEFINITION
    from smartdist_forecast.publishing.jobs import train

    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as scratch:
        if postgres:
            url = postgres_available()
            schema_cm: Any = throwaway_schema(url)
        else:
            url, schema_cm = f"sqlite:///{scratch}/bench.db", None
        schema = schema_cm.__enter__() if schema_cm is not None else None
        try:
            with service_under_test(DEFINITION, url, schema, Path(scratch) / "data") as svc:
                tenant = svc.new_tenant()
                headers = svc.headers(tenant)
                started = time.perf_counter()
                answer = svc.client.post(
                    "/api/v1/sales/import", headers=headers, files={"file": ("pos.csv", data, "text/csv")}
                )
                if answer.status_code == 202:
                    wait(svc, tenant, answer.json()["job_id"])
                out["import_s"] = time.perf_counter() - started
                if profile:
                    ctx = JobContext(job_id="profile", tenant_id=tenant, kind="forecast.train", database=svc.database)
                    profiler = cProfile.Profile()
                    cpu, wall = time.process_time(), time.perf_counter()
                    profiler.runcall(train, ctx, {"horizon_days": HORIZON})
                    out["job_wall_s"] = time.perf_counter() - wall
                    out["job_cpu_s"] = time.process_time() - cpu
                    profiler.dump_stats(profile)
                    return out
                phases: list[tuple[float, str]] = []
                cpu = time.process_time()
                started = time.perf_counter()
                job_id = svc.client.post(
                    "/api/v1/training-runs", headers=headers, json={"horizon_days": HORIZON}
                ).json()["job_id"]
                job = wait(svc, tenant, job_id, phases, started)
                out["request_to_done_s"] = time.perf_counter() - started
                out["process_cpu_s"] = time.process_time() - cpu
                with svc.database.tenant_session(tenant) as session:
                    row = session.get(Job, job_id)
                    assert row is not None and row.started_at and row.finished_at
                    out["job_wall_s"] = (row.finished_at - row.started_at).total_seconds()
                out["status"] = job["status"]
                out["phases"] = phase_times(phases)
                out["threads_during_job"] = max(n for n in THREAD_COUNTS) if THREAD_COUNTS else None
        finally:
            if schema_cm is not None:
                schema_cm.__exit__(None, None, None)
    return out


THREAD_COUNTS: list[int] = []


def wait(
    svc: Any, tenant: str, job_id: str, phases: list[tuple[float, str]] | None = None, started: float = 0.0
) -> dict[str, Any]:
    while True:
        job = svc.client.get(f"/api/v1/jobs/{job_id}", headers=svc.headers(tenant)).json()
        THREAD_COUNTS.append(threading.active_count())
        if phases is not None and (not phases or phases[-1][1] != job.get("message")):
            phases.append((time.perf_counter() - started, job.get("message", "")))
        if job["status"] in ("succeeded", "failed"):
            return job
        time.sleep(0.25)


def phase_times(phases: list[tuple[float, str]]) -> dict[str, float]:
    """Seconds from each progress message to the next (as seen by a 0.25 s poll)."""
    spans: dict[str, float] = {}
    for (at, message), (nxt, _) in zip(phases, phases[1:], strict=False):
        spans[message or "queued"] = round(spans.get(message or "queued", 0.0) + nxt - at, 2)
    return spans


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--series", type=int, default=60)
    parser.add_argument("--families", type=int, default=0, help="N generated series instead of the sample")
    parser.add_argument("--profile")
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--skip-direct", action="store_true")
    parser.add_argument("--skip-api", action="store_true")
    parser.add_argument("--api-first", action="store_true", help="run the API case before the direct one")
    args = parser.parse_args()
    data = families_csv(args.families) if args.families else sample_csv(args.series)
    print(f"load average at start: {os.getloadavg()}", file=sys.stderr)
    label = f"api ({'postgresql' if args.postgres else 'sqlite'})"
    if args.api_first:
        print(f"{label}: {through_api(data, args.postgres, args.profile)}")
    if not args.skip_direct:
        print(f"direct: {direct(data)}")
    if not args.api_first and not args.skip_api:
        print(f"{label}: {through_api(data, args.postgres, args.profile)}")
    print(f"load average at end: {os.getloadavg()}", file=sys.stderr)


if __name__ == "__main__":
    main()
