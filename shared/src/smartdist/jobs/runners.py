"""Where jobs run: a thread pool in the same process (embedded) or Celery workers (production)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

import structlog

from smartdist.db import Database
from smartdist.jobs.registry import requeue_interrupted, run_job

log = structlog.get_logger(__name__)


class JobDispatcher(Protocol):
    def dispatch(self, job_id: str) -> None: ...
    def start(self) -> None: ...
    def stop(self) -> None: ...


class InProcessJobRunner:
    """Runs jobs on a small thread pool; OR-Tools and LightGBM release the GIL while they work."""

    def __init__(self, database: Database, services: dict[str, Any] | None = None, workers: int = 2) -> None:
        self.database = database
        self.services = services or {}
        self.workers = workers
        self._pool: ThreadPoolExecutor | None = None

    def start(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="job")
        with self.database.system_transaction() as session:
            pending = requeue_interrupted(session)
        for job_id in pending:
            self.dispatch(job_id)

    def dispatch(self, job_id: str) -> None:
        if self._pool is None:
            self.start()
        assert self._pool is not None
        self._pool.submit(self._run, job_id)

    def _run(self, job_id: str) -> None:
        try:
            run_job(self.database, job_id, self.services)
        except Exception:  # noqa: BLE001 - keep the pool alive; run_job records job failures
            log.exception("job_runner_error", job_id=job_id)

    def stop(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


class CeleryJobRunner:
    """Hands the job id to Celery; ``smartdist worker`` processes run it."""

    def __init__(self, service: str, celery_app: Any) -> None:
        self.service = service
        self.celery_app = celery_app

    def start(self) -> None:
        return None

    def dispatch(self, job_id: str) -> None:
        self.celery_app.send_task("smartdist.run_job", args=[self.service, job_id])

    def stop(self) -> None:
        return None
