"""The Celery app: Redis in production, kombu's SQLAlchemy transport on SQLite with no server.

Every Redis key Celery and kombu write (the queue list, unacked messages and their index,
bindings, the pidbox and event channels) starts with the deployment's key prefix
(``SMARTDIST_BUS_NAMESPACE`` plus ``:``), the same prefix as the bus streams, so two deployments
on one Redis never take each other's jobs. Results are not stored in Redis at all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celery import Celery

from smartdist.config import PlatformSettings


def broker_url(settings: PlatformSettings) -> str:
    if settings.redis_url:
        return settings.redis_url
    return f"sqla+sqlite:///{settings.resolved_data_dir() / 'celery-broker.db'}"


def job_queue(settings: PlatformSettings) -> str:
    """The one queue of every service's jobs (the key prefix is added by kombu on Redis)."""
    return "smartdist.jobs"


def create_celery(settings: PlatformSettings, runtime_for: Callable[[str], Any] | None = None) -> Celery:
    """``runtime_for(service)`` gives the worker the service runtime whose database holds the job."""
    prefix = settings.key_prefix()
    app = Celery("smartdist", broker=broker_url(settings))
    transport: dict[str, Any] = {}
    if settings.redis_url and prefix:
        transport["global_keyprefix"] = prefix
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,  # status and result live in the service's own job table
        # A killed worker's message stays unacked in Redis until the visibility timeout; the job
        # itself is rerun much sooner by the lease reaper (jobs/runners.py), and the late
        # redelivery finds the job no longer queued and does nothing.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        broker_transport_options=transport,
        task_default_queue=job_queue(settings),
        # Control and event exchanges carry the prefix too (their pub/sub channels are keys).
        control_exchange=f"{prefix}celery",
        event_exchange=f"{prefix}celeryev",
        timezone="Asia/Taipei",
    )

    if runtime_for is None:
        return app  # a service's app only sends "smartdist.run_job" by name

    # shared=False: a shared task would be added to every Celery app of the process, and the
    # services' sending apps, made first in a worker, would then own the name.
    @app.task(name="smartdist.run_job", bind=True, shared=False)  # type: ignore[untyped-decorator]
    def run_job_task(task: Any, service: str, job_id: str) -> None:
        from smartdist.jobs.registry import JobPolicy, run_job

        runtime = runtime_for(service)
        settings_of_runtime = getattr(runtime, "settings", None) or settings
        policy = JobPolicy.from_settings(settings_of_runtime, worker=str(task.request.hostname or ""))
        run_job(runtime.database, job_id, runtime.job_services(), policy)

    return app
