"""A running service: its database, token verifier, job runner, and bus threads.

The same runtime backs ``smartdist serve SERVICE`` (one process per service) and the one-process
demo (six runtimes side by side, each with its own database).
"""

from __future__ import annotations

import importlib
import threading
from typing import Any

import structlog
from prometheus_client import CollectorRegistry

from smartdist.auth.keys import KeyPair, load_keys
from smartdist.auth.revocation import REVOKED_EVENT, RevocationList, record_revocation
from smartdist.auth.tokens import TokenVerifier
from smartdist.config import (
    CarbonFactors,
    PlatformSettings,
    get_carbon_factors,
    get_platform_settings,
    schema_name,
    service_database_url,
)
from smartdist.db import Database
from smartdist.jobs.registry import DISPATCHER_KEY, JobPolicy
from smartdist.jobs.runners import CeleryJobRunner, InProcessJobRunner, JobDispatcher
from smartdist.migrate import upgrade
from smartdist.service import BackgroundTask, EventHandler, ServiceDefinition

log = structlog.get_logger(__name__)


class ServiceRuntime:
    def __init__(
        self,
        definition: ServiceDefinition,
        settings: PlatformSettings | None = None,
        *,
        bus_backend: Any | None = None,
        keys: KeyPair | None = None,
        database: Database | None = None,
    ) -> None:
        self.definition = definition
        self.name = definition.name
        self.settings = settings or get_platform_settings()
        self.carbon: CarbonFactors = get_carbon_factors()
        self.database = database or Database(
            service_database_url(self.settings, definition.name),
            schema=schema_name(definition.name),
            busy_timeout_s=self.settings.sqlite_busy_timeout_s,
        )
        self.keys = keys or load_keys(self.settings)
        self.revocations = RevocationList(self.database, refresh_s=self.settings.revocation_refresh_s)
        self.verifier = TokenVerifier(self.keys.public_pem, self.revocations.is_revoked)
        self.metrics = CollectorRegistry(auto_describe=True)
        self._bus_backend = bus_backend
        self._owns_backend = bus_backend is None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.jobs: JobDispatcher = self._make_job_runner()
        self.database.info[DISPATCHER_KEY] = self.jobs
        self.database.info["smartdist.runtime"] = self
        self.started = False
        for module in definition.job_modules:
            importlib.import_module(module)

    # -- collaborators ---------------------------------------------------------------------

    def _make_job_runner(self) -> JobDispatcher:
        policy = JobPolicy.from_settings(self.settings)
        if self.settings.effective_jobs_backend() == "celery":
            from smartdist.jobs.celery_app import create_celery

            return CeleryJobRunner(self.name, create_celery(self.settings), self.database, policy)
        return InProcessJobRunner(self.database, self.job_services(), policy=policy)

    def job_services(self) -> dict[str, Any]:
        return {"runtime": self}

    @property
    def bus(self) -> Any:
        if self._bus_backend is None:
            from smartdist.bus.backends import make_backend

            self._bus_backend = make_backend(self.settings)
        return self._bus_backend

    def subscriptions(self) -> dict[str, EventHandler]:
        handlers: dict[str, EventHandler] = dict(self.definition.subscriptions)

        def on_revoked(session: Any, event: Any) -> None:
            jti = str(event.data["jti"])
            record_revocation(session, jti)
            self.revocations.add_local(jti)

        handlers.setdefault(REVOKED_EVENT, on_revoked)
        return handlers

    # -- life cycle -----------------------------------------------------------------------

    def migrate(self) -> None:
        base = self.definition.base
        package = (
            self.definition.package if self.definition.package and _has_migrations(self.definition.package) else None
        )
        upgrade(self.database, package, base)

    def start(self, *, migrate: bool = True, background: bool | None = None) -> None:
        if self.started:
            return
        if migrate:
            self.migrate()
        self.revocations.reload()
        self.jobs.start()
        if self.settings.run_background if background is None else background:
            self.start_bus_threads()
        self.started = True
        log.info("service_started", service=self.name, database=self.database.engine.url.render_as_string())

    def start_bus_threads(self) -> None:
        from smartdist.bus.consumer import Consumer
        from smartdist.bus.relay import OutboxRelay

        relay = OutboxRelay(self.database, self.bus, name=self.name)
        # The default consumer name (host-pid-random) stays unique across containers.
        consumer = Consumer(self.bus, self.database, group=self.name, handlers=self.subscriptions())
        for target, label in ((relay.run_forever, "relay"), (consumer.run_forever, "consumer")):
            thread = threading.Thread(target=target, args=(self._stop,), name=f"{self.name}-{label}", daemon=True)
            thread.start()
            self._threads.append(thread)
        for task in self.definition.background_tasks:
            thread = threading.Thread(
                target=self._run_background_task,
                args=(task,),
                name=f"{self.name}-{getattr(task, '__name__', 'task')}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)

    def _run_background_task(self, task: BackgroundTask) -> None:
        """Run a service's loop; a crash is logged (with its traceback) and does not take the service down."""
        try:
            task(self, self._stop)
        except Exception:
            log.exception("background_task_failed", service=self.name, task=getattr(task, "__name__", repr(task)))

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads.clear()
        self.jobs.stop()
        if self._owns_backend and self._bus_backend is not None:
            self._bus_backend.close()
        self.database.dispose()
        self.started = False

    def ready(self) -> dict[str, str]:
        """What /readyz reports: each dependency 'ok' or the reason it is not."""
        checks: dict[str, str] = {}
        try:
            self.database.ping()
            checks["database"] = "ok"
        except Exception as exc:  # noqa: BLE001
            checks["database"] = f"unreachable: {type(exc).__name__}"
        try:
            self.bus.ping()
            checks["bus"] = "ok"
        except Exception as exc:  # noqa: BLE001
            checks["bus"] = f"unreachable: {type(exc).__name__}"
        return checks


def _has_migrations(package: str) -> bool:
    try:
        from importlib import resources

        return (resources.files(package) / "migrations" / "versions").is_dir()
    except ModuleNotFoundError:
        return False
