"""Where jobs run: a thread pool in the same process (embedded) or Celery workers (production).

Either way a :class:`JobReaper` thread in the process looks every half lease for running jobs
whose lease lapsed (their worker died) and hands them out again; see ``registry.reap_jobs``.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

import structlog
from sqlalchemy import select

from smartdist.db import Database
from smartdist.jobs.models import Job
from smartdist.jobs.registry import JobPolicy, reap_jobs, requeue_interrupted, run_job

log = structlog.get_logger(__name__)


class JobDispatcher(Protocol):
    def dispatch(self, job_id: str) -> None: ...
    def start(self) -> None: ...
    def stop(self) -> None: ...


class JobReaper:
    """Requeues the jobs of dead workers (lapsed leases) of one database and dispatches them."""

    def __init__(self, database: Database, dispatcher: JobDispatcher, policy: JobPolicy) -> None:
        self.database = database
        self.dispatcher = dispatcher
        self.policy = policy
        self.interval_s = max(0.2, min(policy.lease_s / 2, 30.0))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def reap_once(self) -> list[str]:
        with self.database.system_transaction() as session:
            requeued = reap_jobs(session, self.policy)
        for job_id in requeued:
            self.dispatcher.dispatch(job_id)
        return requeued

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="job-reaper", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.reap_once()
                self.after_reap()
            except Exception:  # noqa: BLE001 - the database may be away for a while; try again
                log.warning("job_reaper_failed", exc_info=True)

    def after_reap(self) -> None:
        """Hook for the in-process runner: queued jobs it never got (queued by another process)."""

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None


class InProcessJobRunner:
    """Runs jobs on a small thread pool; OR-Tools and LightGBM release the GIL while they work."""

    def __init__(
        self,
        database: Database,
        services: dict[str, Any] | None = None,
        workers: int = 2,
        policy: JobPolicy | None = None,
    ) -> None:
        self.database = database
        self.services = services or {}
        self.workers = workers
        self.policy = policy or JobPolicy()
        self._pool: ThreadPoolExecutor | None = None
        self._handed: set[str] = set()
        self._lock = threading.Lock()
        self._reaper = JobReaper(database, self, self.policy)
        self._reaper.after_reap = self._adopt_queued  # type: ignore[method-assign]

    def start(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="job")
        with self.database.system_transaction() as session:
            pending = requeue_interrupted(session, self.policy)
        for job_id in pending:
            self.dispatch(job_id)
        self._reaper.start()

    def _adopt_queued(self) -> None:
        """Jobs queued with no message to this pool (a retry from the CLI, another process)."""
        with self.database.system_session(read_only=True) as session:
            queued = set(session.scalars(select(Job.id).where(Job.status == "queued")))
        with self._lock:
            fresh = queued - self._handed
        for job_id in sorted(fresh):
            self.dispatch(job_id)

    def dispatch(self, job_id: str) -> None:
        if self._pool is None:
            self.start()
        assert self._pool is not None
        with self._lock:
            self._handed.add(job_id)
        self._pool.submit(self._run, job_id)

    def _run(self, job_id: str) -> None:
        try:
            run_job(self.database, job_id, self.services, self.policy)
        except Exception:  # noqa: BLE001 - keep the pool alive; run_job records job failures
            log.exception("job_runner_error", job_id=job_id)
        finally:
            with self._lock:
                self._handed.discard(job_id)

    def stop(self) -> None:
        self._reaper.stop()
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


class CeleryJobRunner:
    """Hands the job id to Celery; ``smartdist worker`` processes run it.

    With a database the runner also reaps: every service process and every worker looks for
    jobs whose worker died and sends them to the queue again."""

    def __init__(
        self, service: str, celery_app: Any, database: Database | None = None, policy: JobPolicy | None = None
    ) -> None:
        self.service = service
        self.celery_app = celery_app
        self._reaper = JobReaper(database, self, policy or JobPolicy()) if database is not None else None

    def start(self) -> None:
        if self._reaper is not None:
            self._reaper.start()

    def dispatch(self, job_id: str) -> None:
        self.celery_app.send_task("smartdist.run_job", args=[self.service, job_id])

    def stop(self) -> None:
        if self._reaper is not None:
            self._reaper.stop()
