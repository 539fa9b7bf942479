"""The Celery app: Redis in production, kombu's SQLAlchemy transport on SQLite with no server."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celery import Celery

from smartdist.config import PlatformSettings


def broker_url(settings: PlatformSettings) -> str:
    if settings.redis_url:
        return settings.redis_url
    return f"sqla+sqlite:///{settings.resolved_data_dir() / 'celery-broker.db'}"


def create_celery(settings: PlatformSettings, runtime_for: Callable[[str], Any] | None = None) -> Celery:
    """``runtime_for(service)`` gives the worker the service runtime whose database holds the job."""
    app = Celery("smartdist", broker=broker_url(settings))
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,  # status and result live in the service's own job table
        task_acks_late=True,  # a worker killed mid-job leaves the message for another worker
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        timezone="Asia/Taipei",
    )

    @app.task(name="smartdist.run_job")  # type: ignore[untyped-decorator]
    def run_job_task(service: str, job_id: str) -> None:
        from smartdist.jobs.registry import run_job

        if runtime_for is None:
            raise RuntimeError("this Celery app was created without runtimes")
        runtime = runtime_for(service)
        run_job(runtime.database, job_id, runtime.job_services())

    return app
