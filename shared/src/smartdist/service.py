"""What a service tells the platform about itself; the platform builds its app and runtime."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter
from sqlalchemy.orm import DeclarativeBase, Session

from smartdist.kpi.spec import KpiSpec

if TYPE_CHECKING:
    import threading

    from smartdist.bus.envelope import CloudEvent
    from smartdist.runtime import ServiceRuntime

EventHandler = Callable[[Session, "CloudEvent"], None]
# A service's own background loop: runs in a thread beside the relay and the consumer while the
# service runs in the background, and must return soon after the stop event is set.
BackgroundTask = Callable[["ServiceRuntime", "threading.Event"], None]


@dataclass(frozen=True)
class ServiceDefinition:
    name: str  # URL mount and event source: "dispatch", "delivery-broker"
    package: str  # importable package: "smartdist_dispatch"
    title: str
    title_zh: str
    summary: str
    base: type[DeclarativeBase] | None = None
    routers: Sequence[APIRouter] = ()  # mounted under /api/v1
    pages: APIRouter | None = None  # HTML pages mounted at the service root
    kpi: KpiSpec | None = None
    subscriptions: Mapping[str, EventHandler] = field(default_factory=dict)
    seed_demo: Callable[[ServiceRuntime, str], None] | None = None
    job_modules: Sequence[str] = ()  # imported at start so their @job_task kinds register
    background_tasks: Sequence[BackgroundTask] = ()  # started with the relay and consumer threads
    messages: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # lang -> key -> text
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def schema(self) -> str:
        return self.name.replace("-", "_")

    @property
    def migrations_package(self) -> str:
        return f"{self.package}.migrations"
