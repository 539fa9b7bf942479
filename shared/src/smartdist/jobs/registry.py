"""Job kinds and the functions that run them; shared by the in-process runner and Celery."""

from __future__ import annotations

import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from smartdist.db import Database, ScopedSession, utcnow
from smartdist.jobs.models import Job
from smartdist.problems import Conflict, NotFound, Problem
from smartdist.web.i18n import keyed_message

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


@dataclass(frozen=True)
class JobPolicy:
    """How long a run's lease lasts, how often a job may start, how long it may run."""

    lease_s: float = 60.0
    max_attempts: int = 3
    max_runtime_s: float = 21600.0
    worker: str = ""

    @classmethod
    def from_settings(cls, settings: Any, worker: str = "") -> JobPolicy:
        return cls(
            lease_s=float(settings.jobs_lease_s),
            max_attempts=int(settings.jobs_max_attempts),
            max_runtime_s=float(settings.jobs_max_runtime_s),
            worker=worker or default_worker_name(),
        )

    def lease_end(self) -> datetime:
        return utcnow() + timedelta(seconds=self.lease_s)


def default_worker_name() -> str:
    """Unique per process: host, pid and a random tail (pids repeat across containers)."""
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"


class JobLost(Exception):
    """This run no longer owns its job: cancelled, or its lease lapsed and another worker took it."""


@dataclass
class JobContext:
    job_id: str
    tenant_id: str
    kind: str
    database: Database
    services: dict[str, Any] = field(default_factory=dict)
    attempt: int = 0
    claim: str = ""  # this run's token in Job.worker: every write of the run is guarded by it
    _last_write: float = 0.0
    lost: threading.Event = field(default_factory=threading.Event)

    def progress(self, fraction: float, message: str = "", *, force: bool = False, **params: Any) -> None:
        """Report progress (0..1). Writes at most every 0.2 s unless forced.

        ``message`` is best a catalog key of the service's messages (``"forecast.progress.training"``)
        with its ``params``: the job status API and pages render it in the reader's language.

        Raises :class:`JobLost` when the job was cancelled or given to another worker meanwhile,
        so the job stops working for nothing; its result would be thrown away anyway."""
        if self.lost.is_set():
            raise JobLost(self.job_id)
        now = time.monotonic()
        if not force and now - self._last_write < 0.2:
            return
        self._last_write = now
        fraction = min(max(float(fraction), 0.0), 1.0)
        if params:
            message = keyed_message(message, **params)
        with self.database.system_transaction() as session:
            result = session.execute(
                update(Job).where(*_owned(self.job_id, self.claim)).values(progress=fraction, message=message[:300])
            )
            if not getattr(result, "rowcount", 0):
                self.lost.set()
        if self.lost.is_set():
            raise JobLost(self.job_id)

    def tenant_transaction(self) -> AbstractContextManager[ScopedSession]:
        return self.database.tenant_transaction(self.tenant_id)


def _owned(job_id: str, claim: str) -> tuple[Any, ...]:
    """This run's job row: still running, and still claimed by this run (not reaped and rerun)."""
    return (Job.id == job_id, Job.status == "running", Job.worker == claim)


def submit_job(session: Session, kind: str, params: dict[str, Any], *, created_by: str = "") -> str:
    """Queue a job in the caller's transaction; it is dispatched once that transaction commits."""
    task_for(kind)  # unknown kinds fail at submit time, not in a worker later
    job = Job(kind=kind, params=params, created_by=created_by)
    session.add(job)
    session.flush()
    dispatch_after_commit(session, job.id)
    return job.id


def dispatch_after_commit(session: Session, job_id: str) -> None:
    dispatcher = session.info.get(DISPATCHER_KEY)
    if dispatcher is None:
        raise RuntimeError("this session's database has no job dispatcher (runtime not started)")

    @event.listens_for(session, "after_commit", once=True)
    def _dispatch(_session: Session) -> None:
        dispatcher.dispatch(job_id)


def run_job(
    database: Database, job_id: str, services: dict[str, Any] | None = None, policy: JobPolicy | None = None
) -> None:
    """Claim the job (queued -> running, with a lease) and run it; a job claimed elsewhere is left alone.

    While the job runs a thread renews its lease every third of it. If this process dies the
    lease lapses and a reaper (:func:`reap_jobs`) queues the job again for another worker, at most
    ``max_attempts`` starts in all. Whatever this run does after it lost the job (cancelled, or
    reaped while it hung) is discarded: every write is guarded by the claim token it took.
    """
    policy = policy or JobPolicy()
    claim = f"{policy.worker or default_worker_name()}/{secrets.token_hex(4)}"[-200:]
    with database.system_transaction() as session:
        result = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == "queued")
            .values(
                status="running",
                started_at=utcnow(),
                attempts=Job.attempts + 1,
                lease_until=policy.lease_end(),
                worker=claim,
            )
        )
        claimed = getattr(result, "rowcount", 0)
        job = session.get(Job, job_id) if claimed else None
        if job is None:
            return
        kind, tenant_id, params, attempt = job.kind, job.tenant_id, dict(job.params or {}), job.attempts
    ctx = JobContext(
        job_id=job_id,
        tenant_id=tenant_id,
        kind=kind,
        database=database,
        services=services or {},
        attempt=attempt,
        claim=claim,
    )
    done = threading.Event()
    heartbeat = threading.Thread(
        target=_renew_lease, args=(ctx, policy, done), name=f"lease-{job_id[-6:]}", daemon=True
    )
    heartbeat.start()
    structlog.contextvars.bind_contextvars(job_id=job_id, tenant_id=tenant_id)
    try:
        result = task_for(kind)(ctx, params)
    except JobLost:
        log.info("job_lost", kind=kind, attempt=attempt)
    except Problem as exc:
        _finish(ctx, "failed", error=exc.detail)
    except Exception as exc:  # noqa: BLE001 - a job's failure is recorded, not raised into the pool
        log.exception("job_failed", kind=kind)
        _finish(ctx, "failed", error=f"{type(exc).__name__}: {exc}")
    else:
        _finish(ctx, "succeeded", result=result)
    finally:
        done.set()
        heartbeat.join(timeout=5)
        structlog.contextvars.unbind_contextvars("job_id")


def _renew_lease(ctx: JobContext, policy: JobPolicy, done: threading.Event) -> None:
    while not done.wait(policy.lease_s / 3):
        try:
            with ctx.database.system_transaction() as session:
                result = session.execute(
                    update(Job).where(*_owned(ctx.job_id, ctx.claim)).values(lease_until=policy.lease_end())
                )
                if not getattr(result, "rowcount", 0):
                    ctx.lost.set()
                    return
        except Exception:  # noqa: BLE001 - a missed renewal is retried; the lease has slack
            log.warning("job_lease_renewal_failed", job_id=ctx.job_id, exc_info=True)


def _finish(ctx: JobContext, status: str, *, result: Any = None, error: str | None = None) -> None:
    with ctx.database.system_transaction() as session:
        values: dict[str, Any] = {"status": status, "finished_at": utcnow(), "error": error, "lease_until": None}
        if status == "succeeded":
            values.update(progress=1.0, result=result)
        done = session.execute(update(Job).where(*_owned(ctx.job_id, ctx.claim)).values(**values))
        if not getattr(done, "rowcount", 0):
            log.info("job_result_discarded", job_id=ctx.job_id, attempt=ctx.attempt, status=status)


def gave_up_reason(attempts: int) -> str:
    return (
        f"Gave up after {attempts} attempts: the process running this job stopped each time "
        "(crash, out of memory, or a killed worker). Retry it once the cause is fixed."
    )


def reap_jobs(session: ScopedSession, policy: JobPolicy) -> list[str]:
    """Running jobs whose worker is gone (lease lapsed) go back to the queue, or are failed once
    they were started ``max_attempts`` times; jobs running past ``max_runtime_s`` are failed.

    Safe to run in every process at once: each row changes in one guarded UPDATE, so a job is
    requeued by one reaper only. Returns the ids to dispatch once the caller has committed."""
    now = utcnow()
    expired = (Job.status == "running") & ((Job.lease_until < now) | Job.lease_until.is_(None))
    failed_out = session.execute(
        update(Job)
        .where(expired, Job.attempts >= policy.max_attempts)
        .values(status="failed", finished_at=now, lease_until=None, error=gave_up_reason(policy.max_attempts))
        .returning(Job.id)
    ).scalars()
    overdue = session.execute(
        update(Job)
        .where(Job.status == "running", Job.started_at < now - timedelta(seconds=policy.max_runtime_s))
        .values(
            status="failed",
            finished_at=now,
            lease_until=None,
            error=f"Ran longer than {policy.max_runtime_s:.0f} s (SMARTDIST_JOBS_MAX_RUNTIME_S) and was stopped.",
        )
        .returning(Job.id)
    ).scalars()
    gone = list(failed_out) + list(overdue)
    requeued = list(
        session.execute(
            update(Job).where(expired).values(status="queued", lease_until=None, worker="").returning(Job.id)
        ).scalars()
    )
    if gone or requeued:
        log.warning("jobs_reaped", requeued=requeued, failed=gone)
    return requeued


def requeue_interrupted(session: ScopedSession, policy: JobPolicy | None = None) -> list[str]:
    """At start-up: jobs whose worker is gone are reaped, and every queued job is dispatched
    again (a message to a worker may have been lost with the process that sent it)."""
    reap_jobs(session, policy or JobPolicy())
    return list(session.scalars(select(Job.id).where(Job.status == "queued").order_by(Job.id)))


class JobStateConflict(Conflict):
    """Cancel or retry of a job in a state that does not allow it."""


def cancel_job(session: ScopedSession, job_id: str, *, by: str) -> Job:
    """Stop a queued or running job: it ends ``failed`` with who cancelled it. A running job's
    worker notices at its next progress report or lease renewal and stops; its result is discarded."""
    job = _job(session, job_id)
    if job.status not in ("queued", "running"):
        raise JobStateConflict(
            f"Job '{job_id}' is {job.status}; only a queued or running job can be cancelled.",
            code="job.cannot_cancel",
            params={"job_id": job_id, "status": job.status},
        )
    job.status, job.finished_at, job.lease_until = "failed", utcnow(), None
    job.error = f"Cancelled by {by or 'an operator'}."
    session.flush()
    return job


def retry_job(session: ScopedSession, job_id: str) -> Job:
    """Queue a failed job again from the start (its attempts count from zero); dispatched at commit."""
    job = _job(session, job_id)
    if job.status != "failed":
        raise JobStateConflict(
            f"Job '{job_id}' is {job.status}; only a failed job can be retried.",
            code="job.cannot_retry",
            params={"job_id": job_id, "status": job.status},
        )
    job.status, job.attempts, job.progress, job.message = "queued", 0, 0.0, ""
    job.error = job.result = job.started_at = job.finished_at = job.lease_until = None
    job.worker = ""
    session.flush()
    dispatch_after_commit(session, job.id)
    return job


def _job(session: ScopedSession, job_id: str) -> Job:
    job = session.get(Job, job_id)
    if job is None or (session.tenant_id is not None and job.tenant_id != session.tenant_id):
        raise NotFound(f"No job '{job_id}'.", code="job.not_found", params={"job_id": job_id})
    return job
