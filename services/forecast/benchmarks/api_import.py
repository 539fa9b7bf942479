"""A million-row POS import through the API: `POST /api/v1/sales/import` answers 202 and the job
reports its progress until every row is stored.

    .venv/bin/python services/forecast/benchmarks/api_import.py [--stores 28] [--database sqlite|postgresql]

The file is the synthetic set of `run_benchmark.py` (stores mixed from the sample's, five years,
20 products each: 36,520 rows per store; 28 stores = 1,022,560 rows, ~95 MB). The service runs in
this process on a fresh database (SQLite in a temp dir, or a new PostgreSQL schema), as in the
tests. Prints the file size, rows, wall time to the 202, to the job's end, rows per second, the
progress values seen and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("SMARTDIST_LOG_LEVEL", "WARNING")  # one request log line per poll otherwise
logging.getLogger("httpx").setLevel(logging.WARNING)

from run_benchmark import generate_synthetic  # noqa: E402

from smartdist.testing.platform import service_under_test  # noqa: E402
from smartdist_forecast.app import DEFINITION  # noqa: E402

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def count_series(svc: Any, headers: dict[str, str]) -> int:
    count, cursor = 0, None
    while True:
        params: dict[str, Any] = {"limit": 500} | ({"cursor": cursor} if cursor else {})
        page = svc.client.get("/api/v1/series", params=params, headers=headers).json()
        count += len(page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stores", type=int, default=28, help="36,520 rows per store")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        csv_path = work / "pos.csv"
        rows = generate_synthetic(csv_path, n_stores=args.stores)
        data = csv_path.read_bytes()
        if args.database == "sqlite":
            url, schema = f"sqlite:///{work / 'forecast.db'}", None
        else:
            url, schema = POSTGRES, f"bench_{uuid.uuid4().hex[:8]}"
        report: dict[str, Any] = {"rows": rows, "file_mb": round(len(data) / 1e6, 1), "database": args.database}
        with service_under_test(DEFINITION, url, schema, work / "data") as svc:
            tenant = svc.new_tenant()
            headers = svc.headers(tenant)
            started = time.perf_counter()
            answer = svc.client.post(
                "/api/v1/sales/import", headers=headers, files={"file": ("pos.csv", data, "text/csv")}
            )
            report["accepted_s"] = round(time.perf_counter() - started, 2)
            if answer.status_code != 202:
                raise SystemExit(f"expected 202, got {answer.status_code}: {answer.text[:500]}")
            job_id = answer.json()["job_id"]
            seen: list[float] = []
            while True:
                job = svc.client.get(f"/api/v1/jobs/{job_id}", headers=headers).json()
                if not seen or job["progress"] != seen[-1]:
                    seen.append(job["progress"])
                if job["status"] in ("succeeded", "failed"):
                    break
                time.sleep(0.5)
            wall = time.perf_counter() - started
            report.update(
                status=job["status"],
                result={k: v for k, v in (job.get("result") or {}).items() if k != "errors"},
                error=job.get("error"),
                wall_s=round(wall, 1),
                rows_per_s=round(rows / wall),
                progress_seen=[round(p, 2) for p in seen],
                stored_series=count_series(svc, headers),
            )
            if schema is not None:
                with svc.database.engine.begin() as connection:
                    connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
