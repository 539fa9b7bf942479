"""Jobs dispatched through Celery on the real Redis broker run on a worker and report back."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

from celery.contrib.testing.worker import start_worker

from smartdist.config import PlatformSettings
from smartdist.db import Database
from smartdist.jobs import Job, JobContext, job_task, submit_job
from smartdist.jobs.celery_app import create_celery
from smartdist.jobs.registry import DISPATCHER_KEY
from smartdist.jobs.runners import CeleryJobRunner
from smartdist.migrate import upgrade


@job_task("test.square")
def square(ctx: JobContext, params: dict[str, Any]) -> dict[str, int]:
    ctx.progress(0.5, "halfway", force=True)
    return {"square": params["n"] ** 2}


class _Runtime:
    def __init__(self, database: Database) -> None:
        self.database = database

    def job_services(self) -> dict[str, Any]:
        return {}


def test_job_submitted_through_celery_runs_on_a_worker(redis_url: str, tmp_path: Path) -> None:
    # One worker per process: Celery's test worker does not come back cleanly for a second app,
    # so the job table lives on SQLite here; job storage on PostgreSQL is covered over HTTP.
    empty_database = Database(f"sqlite:///{tmp_path / 'jobs.db'}")
    upgrade(empty_database, None, None)
    settings = PlatformSettings(data_dir=tmp_path, redis_url=redis_url)
    app = create_celery(settings, lambda service: _Runtime(empty_database))
    app.conf.task_default_queue = f"test-{uuid.uuid4().hex[:8]}"  # keep other workers on this Redis away
    empty_database.info[DISPATCHER_KEY] = CeleryJobRunner("sample", app)
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        with empty_database.tenant_transaction("t1") as session:
            job_id = submit_job(session, "test.square", {"n": 7})
        deadline = time.time() + 30
        status = "queued"
        while time.time() < deadline and status not in ("succeeded", "failed"):
            time.sleep(0.1)
            with empty_database.tenant_session("t1") as session:
                job = session.get(Job, job_id)
                status = job.status
    assert status == "succeeded"
    assert job.result == {"square": 49} and job.progress == 1.0
