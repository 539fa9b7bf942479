"""The app factory: every service's FastAPI app is built here from its ServiceDefinition."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

import smartdist.bus.metrics  # noqa: F401 - declares the bus counters /metrics serves
from smartdist.jobs.api import router as jobs_router
from smartdist.kpi.api import kpi_router
from smartdist.problems import install_problem_handlers
from smartdist.runtime import ServiceRuntime
from smartdist.web.auth_pages import handoff_router, require_page_principal
from smartdist.web.observability import RequestContextMiddleware, RequestMetrics, configure_logging
from smartdist.web.openapi import install_openapi
from smartdist.web.pages import Pages, pages_of, shared_static_dir, vendor_dir

VERSION = "0.1.0"


def operation_id(route: APIRoute) -> str:
    """Stable, readable OpenAPI operation ids (``kpi-kpi_summary``) for generated clients."""
    return f"{route.tags[0]}-{route.name}" if route.tags else route.name


def platform_router() -> APIRouter:
    router = APIRouter(tags=["platform"])

    @router.get("/healthz")
    async def healthz(request: Request) -> dict[str, str]:
        """Liveness: the process answers."""
        # async and free of I/O: it needs no worker thread, so a pool of threads all waiting
        # for a locked database (the demo's six services share one) cannot delay it.
        return {"status": "ok", "service": request.app.state.runtime.name}

    @router.get("/readyz")
    def readyz(request: Request) -> JSONResponse:
        """Readiness: the database and the bus are reachable."""
        checks = request.app.state.runtime.ready()
        ok = all(v == "ok" for v in checks.values())
        return JSONResponse({"status": "ok" if ok else "unavailable", "checks": checks}, status_code=200 if ok else 503)

    @router.get("/metrics", response_class=PlainTextResponse)
    def metrics(request: Request) -> Response:
        """Prometheus metrics in the text exposition format."""
        # The service's own HTTP metrics, then the process-wide ones (bus counters, Python runtime).
        body = generate_latest(request.app.state.runtime.metrics) + generate_latest(REGISTRY)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    return router


def default_pages(has_kpi: bool) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    def home(request: Request) -> Response:
        return pages_of(request).render(request, "service_home.html")

    if has_kpi:

        @router.get("/kpi")
        def kpi_page(request: Request) -> Response:
            redirect = require_page_principal(request)
            if redirect is not None:
                return redirect
            return pages_of(request).render(request, "kpi.html")

    return router


def create_service_app(runtime: ServiceRuntime, *, manage_lifecycle: bool = True) -> FastAPI:
    """``manage_lifecycle=False`` when a parent app (the demo) starts and stops the runtime."""
    d = runtime.definition
    configure_logging(runtime.settings.log_level, runtime.settings.log_json)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if manage_lifecycle:
            runtime.start()
        try:
            yield
        finally:
            if manage_lifecycle:
                runtime.stop()

    app = FastAPI(
        title=f"smartdist {d.title}",
        summary=d.summary,
        version=VERSION,
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
        docs_url=None,  # served offline by install_openapi
        redoc_url=None,
    )
    app.state.runtime = runtime
    app.state.pages = Pages(d.package, d.messages)
    app.state.messages = d.messages  # problem details and JSON texts: smartdist.web.i18n.translator_for
    install_problem_handlers(app)
    install_openapi(app)
    app.add_middleware(RequestContextMiddleware, metrics=RequestMetrics(runtime.metrics, d.name))

    app.include_router(platform_router())
    api = APIRouter(prefix="/api/v1")  # install_openapi documents each operation's problem answers
    api.include_router(jobs_router)
    if d.kpi is not None:
        api.include_router(kpi_router(d.kpi))
    for router in d.routers:
        api.include_router(router)
    app.include_router(api)

    if d.pages is not None:
        app.include_router(d.pages)  # first, so a service's own "/" beats the default home page
    app.include_router(default_pages(d.kpi is not None))
    app.include_router(handoff_router())
    mount_static(app)
    return app


def mount_static(app: FastAPI) -> None:
    vendor = vendor_dir()
    if vendor is not None:
        app.mount("/static/vendor", StaticFiles(directory=vendor), name="vendor")
    app.mount("/static", StaticFiles(directory=shared_static_dir()), name="static")


def app_for(definition: Any, **kw: Any) -> FastAPI:
    """``create_app()`` of each service: a runtime with settings from the environment, and its app."""
    return create_service_app(ServiceRuntime(definition, **kw))
