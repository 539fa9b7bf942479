"""Job kinds and the functions that run them; shared by the in-process runner and Celery."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

import structlog
from sqlalchemy import update
from sqlalchemy.orm import Session

from smartdist.db import Database, ScopedSession, utcnow
from smartdist.jobs.models import Job
from smartdist.problems import Problem

log = structlog.get_logger(__name__)

JobFunction = Callable[["JobContext", dict[str, Any]], Any]
_TASKS: dict[str, JobFunction] = {}
DISPATCHER_KEY = "smartdist.job_dispatcher"


def job_task(kind: str) -> Callable[[JobFunction], JobFunction]:
    """Register ``fn(ctx, params) -> result`` as the body of jobs of ``kind``."""

    def register(fn: JobFunction) -> JobFunction:
        _TASKS[kind] = fn
        return fn

    return register


def task_for(kind: str) -> JobFunction:
    try:
        return _TASKS[kind]
    except KeyError:
        raise LookupError(f"no job task registered for kind '{kind}'") from None


@dataclass
class JobContext:
    job_id: str
    tenant_id: str
    kind: str
    database: Database
    services: dict[str, Any] = field(default_factory=dict)
    _last_write: float = 0.0

    def progress(self, fraction: float, message: str = "", *, force: bool = False) -> None:
        """Report progress (0..1). Writes at most every 0.2 s unless forced."""
        now = time.monotonic()
        if not force and now - self._last_write < 0.2:
            return
        self._last_write = now
        fraction = min(max(float(fraction), 0.0), 1.0)
        with self.database.system_transaction() as session:
            session.execute(update(Job).where(Job.id == self.job_id).values(progress=fraction, message=message[:300]))

    def tenant_transaction(self) -> AbstractContextManager[ScopedSession]:
        return self.database.tenant_transaction(self.tenant_id)


def submit_job(session: Session, kind: str, params: dict[str, Any], *, created_by: str = "") -> str:
    """Queue a job in the caller's transaction; it is dispatched once that transaction commits."""
    task_for(kind)  # unknown kinds fail at submit time, not in a worker later
    job = Job(kind=kind, params=params, created_by=created_by)
    session.add(job)
    session.flush()
    dispatcher = session.info.get(DISPATCHER_KEY)
    if dispatcher is None:
        raise RuntimeError("this session's database has no job dispatcher (runtime not started)")
    job_id = job.id

    from sqlalchemy import event

    @event.listens_for(session, "after_commit", once=True)
    def _dispatch(_session: Session) -> None:
        dispatcher.dispatch(job_id)

    return job_id


def run_job(database: Database, job_id: str, services: dict[str, Any] | None = None) -> None:
    """Claim the job (queued -> running) and run it; a job already claimed elsewhere is left alone."""
    with database.system_transaction() as session:
        result = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == "queued")
            .values(status="running", started_at=utcnow(), attempts=Job.attempts + 1)
        )
        claimed = getattr(result, "rowcount", 0)
        job = session.get(Job, job_id) if claimed else None
        if job is None:
            return
        kind, tenant_id, params = job.kind, job.tenant_id, dict(job.params or {})
    ctx = JobContext(job_id=job_id, tenant_id=tenant_id, kind=kind, database=database, services=services or {})
    structlog.contextvars.bind_contextvars(job_id=job_id, tenant_id=tenant_id)
    try:
        result = task_for(kind)(ctx, params)
    except Problem as exc:
        _finish(database, job_id, "failed", error=exc.detail)
    except Exception as exc:  # noqa: BLE001 - a job's failure is recorded, not raised into the pool
        log.exception("job_failed", kind=kind)
        _finish(database, job_id, "failed", error=f"{type(exc).__name__}: {exc}")
    else:
        _finish(database, job_id, "succeeded", result=result)
    finally:
        structlog.contextvars.unbind_contextvars("job_id")


def _finish(database: Database, job_id: str, status: str, *, result: Any = None, error: str | None = None) -> None:
    with database.system_transaction() as session:
        values: dict[str, Any] = {"status": status, "finished_at": utcnow(), "error": error}
        if status == "succeeded":
            values.update(progress=1.0, result=result)
        session.execute(update(Job).where(Job.id == job_id).values(**values))


def requeue_interrupted(session: ScopedSession) -> list[str]:
    """Jobs left 'running' by a process that died go back to the queue (nothing is lost)."""
    ids = [j.id for j in session.query(Job).filter(Job.status.in_(("queued", "running")))]
    session.execute(update(Job).where(Job.id.in_(ids)).values(status="queued"))
    return ids
