"""Retraining on schedule and as new sales arrive (SPEC §4.B).

Two triggers ask ``models.retraining.retraining_due`` whether a tenant's latest model is stale
(``retrain_new_sales_days`` of new sales after its data, or older than ``retrain_max_age_days``):

- right after an import that stored rows (``retrain_if_due`` in the import's own transaction, so
  the job is queued only if the import commits);
- a periodic check over every tenant with a model (``check_all_tenants``) every
  ``retrain_check_interval_s`` seconds: a background task of the running service
  (``retraining_schedule``; ``retrain_check_interval_s`` and ``retrain_schedule`` settings), or
  ``python -m smartdist_forecast.publishing.schedule`` for deployments that run it apart.

Only tenants that already have a model are retrained: the first training run is the merchant's
choice (its horizon, its timing). A retraining job reuses the latest model's horizon, and none is
queued while a training job of the tenant is still queued or running.
"""

from __future__ import annotations

import argparse
import threading
from datetime import timedelta
from typing import Any

import structlog
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartdist.db import Database, utcnow
from smartdist.jobs import Job, submit_job
from smartdist_forecast.config import get_settings
from smartdist_forecast.models.retraining import RetrainingPolicy, retraining_due
from smartdist_forecast.publishing.training_job import TRAIN_JOB
from smartdist_forecast.tables import ModelVersion, OnlineOrderDay, SalesDay

log = structlog.get_logger(__name__)
SCHEDULER = "forecast.retraining"


def settings_policy() -> RetrainingPolicy:
    settings = get_settings()
    return RetrainingPolicy(
        new_sales_days=settings.retrain_new_sales_days, max_age=timedelta(days=settings.retrain_max_age_days)
    )


def retrain_if_due(
    session: Session,
    runtime: Any = None,
    *,
    created_by: str = SCHEDULER,
    policy: RetrainingPolicy | None = None,
    after_import: bool = True,
) -> str | None:
    """Queue a ``forecast.train`` job for the session's tenant when its model is stale; its id or None."""
    if after_import and not get_settings().retrain_after_import:
        return None
    latest = session.execute(
        select(ModelVersion.data_end, ModelVersion.created_at, ModelVersion.horizon_days)
        .order_by(ModelVersion.created_at.desc(), ModelVersion.id.desc())
        .limit(1)
    ).first()
    if latest is None:
        return None
    busy = session.scalar(
        select(func.count()).select_from(Job).where(Job.kind == TRAIN_JOB, Job.status.in_(("queued", "running")))
    )
    if busy:
        return None
    last_sale = max(
        (
            d
            for d in (
                session.scalar(select(func.max(SalesDay.date))),
                session.scalar(select(func.max(OnlineOrderDay.date))),
            )
            if d is not None
        ),
        default=None,
    )
    decision = retraining_due(latest.data_end, latest.created_at, last_sale, utcnow(), policy or settings_policy())
    if not decision.due:
        return None
    job_id = submit_job(
        session,
        TRAIN_JOB,
        {"horizon_days": int(latest.horizon_days), "trigger": decision.reason},
        created_by=created_by,
    )
    log.info("retraining_queued", job_id=job_id, reason=decision.reason)
    return str(job_id)


def check_all_tenants(database: Database, policy: RetrainingPolicy | None = None) -> dict[str, str]:
    """One pass of the periodic check: {tenant: queued job id} for every tenant whose model is stale."""
    with database.system_transaction() as session:
        tenants = list(session.scalars(select(ModelVersion.tenant_id).distinct()))
    queued: dict[str, str] = {}
    for tenant in sorted(tenants):
        with database.tenant_transaction(tenant) as session:
            job_id = retrain_if_due(session, created_by=SCHEDULER, policy=policy, after_import=False)
        if job_id is not None:
            queued[tenant] = job_id
    return queued


def run_periodic_check(
    database: Database, interval_s: float, stop: threading.Event, policy: RetrainingPolicy | None = None
) -> int:
    """Check every ``interval_s`` seconds until ``stop`` is set; returns how many jobs were queued."""
    total = 0
    while not stop.is_set():
        try:
            total += len(check_all_tenants(database, policy))
        except Exception:  # noqa: BLE001 - a failed pass (database restarting) must not end the schedule
            log.exception("retraining_check_failed")
        stop.wait(interval_s)
    return total


def retraining_schedule(runtime: Any, stop: threading.Event) -> None:
    """The service's background task: a check every ``retrain_check_interval_s`` seconds, the
    first one an interval after start (a restart does not retrain every tenant at once)."""
    settings = get_settings()
    if not settings.retrain_schedule:
        return
    while not stop.wait(settings.retrain_check_interval_s):
        try:
            check_all_tenants(runtime.database)
        except Exception:  # noqa: BLE001 - a failed pass (database restarting) must not end the schedule
            log.exception("retraining_check_failed")


def wait_for_jobs(database: Database, queued: dict[str, str], poll_s: float = 1.0) -> None:
    pending = set(queued.values())
    while pending:
        with database.system_transaction() as session:
            done = set(
                session.scalars(select(Job.id).where(Job.id.in_(pending), Job.status.in_(("succeeded", "failed"))))
            )
        pending -= done
        if pending:
            threading.Event().wait(poll_s)


def main(argv: list[str] | None = None) -> None:
    """``python -m smartdist_forecast.publishing.schedule [--every SECONDS] [--once]``."""
    parser = argparse.ArgumentParser(description="Retrain stale forecast models on a schedule.")
    parser.add_argument(
        "--every",
        type=float,
        default=get_settings().retrain_check_interval_s,
        help="seconds between checks (SMARTDIST_FORECAST_RETRAIN_CHECK_INTERVAL_S)",
    )
    parser.add_argument("--once", action="store_true", help="check once and exit once the jobs are queued")
    args = parser.parse_args(argv)
    from smartdist.runtime import ServiceRuntime
    from smartdist_forecast.app import DEFINITION

    runtime = ServiceRuntime(DEFINITION)
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
