"""Production jobs survive their worker: a real ``smartdist worker`` process on Redis and
PostgreSQL is SIGKILLed in the middle of a job, another worker starts, and the job runs again
there and succeeds exactly once, within a bound set by the job lease. Two deployments on one
Redis (two namespaces) never take each other's jobs, and every key either writes carries its
prefix."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from sqlalchemy import select

from smartdist.config import PlatformSettings
from smartdist.db import Database
from smartdist.jobs import Job, submit_job
from smartdist.runtime import ServiceRuntime
from smartdist.testing.servers import postgres_available, redis_available, throwaway_database

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import jobcheck_service  # noqa: E402

LEASE_S = 3.0
# Lease lapses (3 s) + the reaper's half-lease tick + a worker's start + the 6 s job, with room
# for two busy shared cores.
RERUN_BOUND_S = 45.0


# A Redis database of its own: after a flush, every key in it was written by these tests.
REDIS_DB = 11


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[dict[str, str]]:
    pg = postgres_available()
    redis_url = f"{redis_available().rsplit('/', 1)[0]}/{REDIS_DB}"
    redis.Redis.from_url(redis_url).flushdb()
    with throwaway_database(pg) as url:
        yield {
            "SMARTDIST_ENV": "test",
            "SMARTDIST_DATA_DIR": str(tmp_path / "data"),
            "SMARTDIST_DATABASE_URL": url,
            "SMARTDIST_REDIS_URL": redis_url,
            "SMARTDIST_BUS_NAMESPACE": f"t-{uuid.uuid4().hex[:8]}",
            "SMARTDIST_JOBS_LEASE_S": str(LEASE_S),
            "SMARTDIST_LOG_JSON": "false",
        }
        _drop_keys(redis_url, "t-")


def _drop_keys(redis_url: str, prefix: str) -> None:
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(match=prefix + "*"):
        client.delete(key)
    client.close()


def _settings(env: dict[str, str]) -> PlatformSettings:
    return PlatformSettings(
        data_dir=Path(env["SMARTDIST_DATA_DIR"]),
        database_url=env["SMARTDIST_DATABASE_URL"],
        redis_url=env["SMARTDIST_REDIS_URL"],
        bus_namespace=env["SMARTDIST_BUS_NAMESPACE"],
        jobs_lease_s=float(env["SMARTDIST_JOBS_LEASE_S"]),
        run_background=False,
        log_json=False,
    )


def _service(env: dict[str, str]) -> ServiceRuntime:
    """The service side: submits jobs (dispatch to Celery); its tables made here."""
    runtime = ServiceRuntime(jobcheck_service.JOBCHECK, _settings(env))
    runtime.migrate()
    jobcheck_service.JobcheckBase.metadata.create_all(runtime.database.engine)
    return runtime


def _worker(env: dict[str, str], name: str, tmp_path: Path) -> subprocess.Popen[bytes]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SMARTDIST_")} | env
    environment["PYTHONPATH"] = os.pathsep.join([str(HERE), environment.get("PYTHONPATH", "")])
    log = (tmp_path / f"{name}.log").open("wb")
    return subprocess.Popen(
        [sys.executable, str(HERE / "jobcheck_service.py"), "worker", "--concurrency", "1", "--hostname", name],
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
    )


def _job(database: Database, job_id: str) -> Job:
    with database.system_session() as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job


def _runs(database: Database, job_id: str) -> list[str]:
    with database.system_session() as session:
        rows = session.scalars(select(jobcheck_service.RunLog).where(jobcheck_service.RunLog.job_id == job_id))
        return sorted(row.event for row in rows)


def _wait(predicate: Any, timeout_s: float, what: str, logs: Path) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    tails = "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-2500:]}" for p in sorted(logs.glob("*.log")))
    raise AssertionError(f"{what} not within {timeout_s} s\n{tails}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def test_a_job_of_a_killed_worker_runs_again_on_another_worker_exactly_once(
    platform: dict[str, str], tmp_path: Path
) -> None:
    service = _service(platform)
    first = _worker(platform, "first@test", tmp_path)
    second: subprocess.Popen[bytes] | None = None
    try:
        with service.database.tenant_transaction("t1") as session:
            job_id = submit_job(session, jobcheck_service.KIND, {"steps": 30, "step_s": 0.2})
        _wait(
            lambda: _job(service.database, job_id).status == "running" and _job(service.database, job_id).progress > 0,
            60,
            "the first worker running the job",
            tmp_path,
        )
        assert _job(service.database, job_id).worker.startswith("first@test/")
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        killed_at = time.monotonic()
        second = _worker(platform, "second@test", tmp_path)
        _wait(
            lambda: _job(service.database, job_id).status in ("succeeded", "failed"),
            RERUN_BOUND_S,
            "the job rerun on the second worker",
            tmp_path,
        )
        rerun_s = time.monotonic() - killed_at
        job = _job(service.database, job_id)
        assert job.status == "succeeded", job.error
        assert job.result == {"steps": 30} and job.attempts == 2
        assert job.worker == "" or job.worker.startswith("second@test/")
        assert _runs(service.database, job_id) == ["finished", "started", "started"]  # finished once
        print(f"rerun after SIGKILL in {rerun_s:.1f} s")
    finally:
        _stop(first)
        if second is not None:
            _stop(second)
        service.database.dispose()


def test_two_namespaces_on_one_redis_keep_their_jobs_apart(platform: dict[str, str], tmp_path: Path) -> None:
    other = platform | {"SMARTDIST_BUS_NAMESPACE": platform["SMARTDIST_BUS_NAMESPACE"] + "-other"}
    with throwaway_database(postgres_available()) as other_url:
        other["SMARTDIST_DATABASE_URL"] = other_url
        ours, theirs = _service(platform), _service(other)
        client = redis.Redis.from_url(platform["SMARTDIST_REDIS_URL"], decode_responses=True)
        their_worker = _worker(other, "theirs@test", tmp_path)
        try:
            with ours.database.tenant_transaction("t1") as session:
                our_job = submit_job(session, jobcheck_service.KIND, {"steps": 1, "step_s": 0})
            with theirs.database.tenant_transaction("t1") as session:
                their_job = submit_job(session, jobcheck_service.KIND, {"steps": 1, "step_s": 0})
            _wait(
                lambda: _job(theirs.database, their_job).status == "succeeded",
                60,
                "their job on their worker",
                tmp_path,
            )
            time.sleep(1.0)
            assert _job(ours.database, our_job).status == "queued"  # their worker never took our job
            ns = platform["SMARTDIST_BUS_NAMESPACE"]
            assert client.llen(f"{ns}:smartdist.jobs") == 1
            keys = list(client.scan_iter())
            assert keys and all(key.startswith((f"{ns}:", f"{ns}-other:")) for key in keys), keys
        finally:
            _stop(their_worker)
            client.close()
            ours.database.dispose()
            theirs.database.dispose()
