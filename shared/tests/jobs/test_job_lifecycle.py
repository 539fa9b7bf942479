"""A job's life beyond the happy path: a job that crashes its process is started at most
``max_attempts`` times and then parked as failed with the reason; the owner cancels and retries;
a cancelled run stops and its result is discarded; a job running too long is failed."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from smartdist.db import Database, utcnow
from smartdist.jobs import Job, JobContext, job_task
from smartdist.jobs.registry import DISPATCHER_KEY, JobPolicy, gave_up_reason, reap_jobs
from smartdist.jobs.runners import InProcessJobRunner
from smartdist.migrate import upgrade
from smartdist.testing.sample import SAMPLE, SampleBase

STARTED = threading.Event()


@job_task("test.slow_steps")
def slow_steps(ctx: JobContext, params: dict[str, Any]) -> dict[str, int]:
    STARTED.set()
    for step in range(int(params["steps"])):
        ctx.progress(step / params["steps"], f"step {step}", force=True)
        time.sleep(0.05)
    return {"steps": params["steps"]}


CRASHING_PROCESS = textwrap.dedent(
    """
    import os, sys, time
    from smartdist.db import Database
    from smartdist.jobs import Job, job_task
    from smartdist.jobs.registry import JobPolicy
    from smartdist.jobs.runners import InProcessJobRunner

    @job_task("test.crash")
    def crash(ctx, params):
        with open(sys.argv[2], "a") as log:
            log.write("started\\n")
        os._exit(3)  # the process dies in the middle of the job (segfault, OOM kill...)

    database = Database(sys.argv[1])
    runner = InProcessJobRunner(database, policy=JobPolicy(lease_s=0.5, max_attempts=3))
    runner.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with database.system_session() as session:
            if session.get(Job, sys.argv[3]).status == "failed":
                sys.exit(0)
        time.sleep(0.1)
    sys.exit(1)
    """
)


def test_a_job_that_kills_its_process_is_started_max_attempts_times_then_failed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'jobs.db'}"
    database = Database(url)
    upgrade(database, None, None)
    with database.tenant_transaction("t1") as session:
        job = Job(kind="test.crash", params={})
        session.add(job)
        session.flush()
        job_id = job.id
    starts = tmp_path / "starts.log"
    exit_codes = []
    for _restart in range(5):
        done = subprocess.run(
            [sys.executable, "-c", CRASHING_PROCESS, url, str(starts), job_id], timeout=60, capture_output=True
        )
        exit_codes.append(done.returncode)
        if done.returncode == 0:
            break
    assert exit_codes == [3, 3, 3, 0], exit_codes  # three crashes, then the fourth start parks it
    assert starts.read_text().splitlines() == ["started"] * 3
    with database.system_session() as session:
        parked = session.get(Job, job_id)
        assert parked is not None
        assert parked.status == "failed" and parked.attempts == 3
        assert parked.error == gave_up_reason(3)
    database.dispose()


def test_reaper_requeues_a_lapsed_lease_and_fails_a_job_running_too_long(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'jobs.db'}")
    upgrade(database, None, None)
    now = utcnow()
    with database.tenant_transaction("t1") as session:
        lapsed = Job(kind="k", status="running", attempts=1, started_at=now, lease_until=now - timedelta(seconds=1))
        alive = Job(kind="k", status="running", attempts=1, started_at=now, lease_until=now + timedelta(seconds=60))
        endless = Job(
            kind="k", status="running", attempts=1, started_at=now - timedelta(hours=7), lease_until=now + timedelta(60)
        )
        session.add_all([lapsed, alive, endless])
    with database.system_transaction() as session:
        requeued = reap_jobs(session, JobPolicy(lease_s=60, max_attempts=3, max_runtime_s=6 * 3600))
    assert requeued == [lapsed.id]
    with database.system_session() as session:
        assert session.get(Job, lapsed.id).status == "queued"  # type: ignore[union-attr]
        assert session.get(Job, alive.id).status == "running"  # type: ignore[union-attr]
        overdue = session.get(Job, endless.id)
        assert overdue is not None and overdue.status == "failed" and "longer than 21600 s" in (overdue.error or "")
    database.dispose()


@pytest.fixture
def svc(service_factory):  # type: ignore[no-untyped-def]
    with service_factory(SAMPLE) as started:
        SampleBase.metadata.create_all(started.database.engine)
        yield started


def _wait_for(svc: Any, tenant: str, job_id: str, statuses: set[str], timeout_s: float = 20) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        job: dict[str, Any] = svc.client.get(f"/api/v1/jobs/{job_id}", headers=svc.headers(tenant)).json()
        if job["status"] in statuses or time.monotonic() > deadline:
            return job
        time.sleep(0.05)


def test_owner_cancels_a_queued_job_and_retries_it(svc: Any) -> None:
    a, b = svc.new_tenant(), svc.new_tenant()
    with svc.database.tenant_transaction(a) as session:
        job = Job(kind="sample.count_notes", params={})  # queued, no worker has it yet
        session.add(job)
        session.flush()
        job_id = job.id
    c = svc.client
    assert c.post(f"/api/v1/jobs/{job_id}/cancel", headers=svc.headers(a, roles=["clerk"])).status_code == 403
    assert c.post(f"/api/v1/jobs/{job_id}/cancel", headers=svc.headers(b)).status_code == 404
    assert c.post(f"/api/v1/jobs/{job_id}/retry", headers=svc.headers(b)).status_code == 404
    cancelled = c.post(f"/api/v1/jobs/{job_id}/cancel", headers=svc.headers(a))
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "failed" and cancelled.json()["error"] == "Cancelled by test-user."
    again = c.post(f"/api/v1/jobs/{job_id}/cancel", headers=svc.headers(a))
    assert again.status_code == 409 and again.headers["content-type"].startswith("application/problem+json")
    retried = c.post(f"/api/v1/jobs/{job_id}/retry", headers=svc.headers(a))
    assert retried.status_code == 200 and retried.json()["status"] in ("queued", "running", "succeeded")
    done = _wait_for(svc, a, job_id, {"succeeded", "failed"})
    assert done["status"] == "succeeded" and done["result"] == {"notes": 0} and done["attempts"] == 1
    assert c.post(f"/api/v1/jobs/{job_id}/retry", headers=svc.headers(a)).status_code == 409


def test_a_cancelled_running_job_stops_and_its_result_is_discarded(svc: Any) -> None:
    a = svc.new_tenant()
    STARTED.clear()
    with svc.database.tenant_transaction(a) as session:
        from smartdist.jobs import submit_job

        job_id = submit_job(session, "test.slow_steps", {"steps": 200})
    assert STARTED.wait(10)
    assert svc.client.post(f"/api/v1/jobs/{job_id}/cancel", headers=svc.headers(a)).status_code == 200
    time.sleep(0.5)  # the run notices at its next progress report and stops
    job = _wait_for(svc, a, job_id, {"succeeded"}, timeout_s=0.1)
    assert job["status"] == "failed" and job["error"] == "Cancelled by test-user." and "result" not in job
    assert job["progress"] < 0.5


def test_a_run_that_lost_its_job_cannot_overwrite_the_next_run(tmp_path: Path) -> None:
    """A worker that hung past its lease and was reaped finishes later: its result is dropped."""
    database = Database(f"sqlite:///{tmp_path / 'jobs.db'}")
    upgrade(database, None, None)
    runner = InProcessJobRunner(database, policy=JobPolicy(lease_s=60))
    database.info[DISPATCHER_KEY] = runner
    with database.tenant_transaction("t1") as session:
        job = Job(kind="test.slow_steps", params={"steps": 20})
        session.add(job)
        session.flush()
        job_id = job.id
    from smartdist.jobs.registry import run_job

    STARTED.clear()
    zombie = threading.Thread(target=run_job, args=(database, job_id, {}, JobPolicy(lease_s=60)))
    zombie.start()
    assert STARTED.wait(10)
    with database.system_transaction() as session:  # reaped as if its lease had lapsed
        session.execute(update(Job).where(Job.id == job_id).values(status="queued", worker=""))
    zombie.join(10)
    with database.system_session() as session:
        assert session.get(Job, job_id).status == "queued"  # type: ignore[union-attr]
    database.dispose()
