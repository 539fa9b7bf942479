"""``python -m smartdist_forecast.publishing.schedule [--every SECONDS] [--once]``: the retraining
check run apart from the service (from cron, or by hand).

The running service does the same check itself (``jobs.retraining_schedule``); the rule is
``service.retrain_if_due``. The service's definition is loaded through its own
``smartdist.services`` entry point (not every installed service's), so this module imports neither
the app nor the HTTP layer.
"""

from __future__ import annotations

import argparse
import threading
from importlib.metadata import entry_points

from smartdist.runtime import ServiceRuntime
from smartdist_forecast.config import get_settings
from smartdist_forecast.publishing.jobs import run_periodic_check
from smartdist_forecast.publishing.service import check_all_tenants, wait_for_jobs


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Retrain stale forecast models on a schedule.")
    parser.add_argument(
        "--every",
        type=float,
        default=get_settings().retrain_check_interval_s,
        help="seconds between checks (SMARTDIST_FORECAST_RETRAIN_CHECK_INTERVAL_S)",
    )
    parser.add_argument("--once", action="store_true", help="check once and exit once the jobs are queued")
    args = parser.parse_args(argv)
    [entry] = entry_points(group="smartdist.services", name="forecast")
    runtime = ServiceRuntime(entry.load())
    runtime.start(background=False)
    try:
        if args.once:
            queued = check_all_tenants(runtime.database)
            print(queued)  # noqa: T201 - CLI output
            # The in-process runner trains in this process: stay until its jobs are done.
            wait_for_jobs(runtime.database, queued)
            return
        run_periodic_check(runtime.database, args.every, threading.Event())
    finally:
        runtime.stop()


if __name__ == "__main__":
    main()
