"""The one-process demo: console at ``/``, the six services mounted under their names (SPEC §1)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI
from sqlalchemy import select

from smartdist.auth.keys import load_keys
from smartdist.auth.tokens import TokenSigner
from smartdist.bus.backends import make_backend
from smartdist.catalog import service_definitions
from smartdist.config import PlatformSettings
from smartdist.console import DEMO_EMAIL, DEMO_PASSWORD, IDENTITY, ServiceLink, create_console_app
from smartdist.identity import service as identity
from smartdist.identity.models import UserAccount
from smartdist.kpi.log import seed_baselines
from smartdist.runtime import ServiceRuntime
from smartdist.web.app import create_service_app

log = structlog.get_logger(__name__)
DEMO_TENANT_NAME = "示範商店 Demo Store"


def build_demo_app(settings: PlatformSettings) -> FastAPI:
    backend = make_backend(settings)
    keys = load_keys(settings)
    console_rt = ServiceRuntime(IDENTITY, settings, bus_backend=backend, keys=keys)
    runtimes = [ServiceRuntime(d, settings, bus_backend=backend, keys=keys) for d in service_definitions().values()]
    links = [
        ServiceLink(rt.name, rt.definition.title, rt.definition.title_zh, rt.definition.summary, f"/{rt.name}", rt)
        for rt in runtimes
    ]
    app = create_console_app(console_rt, links, manage_lifecycle=False, demo_credentials=(DEMO_EMAIL, DEMO_PASSWORD))
    for rt in runtimes:
        app.mount(f"/{rt.name}", create_service_app(rt, manage_lifecycle=False))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        everything = [console_rt, *runtimes]
        for rt in everything:
            rt.start()
        tenant_id = ensure_demo_tenant(console_rt)
        for rt in runtimes:
            seed_demo_baselines(rt, tenant_id)
            if rt.definition.seed_demo is not None:
                try:
                    rt.definition.seed_demo(rt, tenant_id)
                except Exception:  # noqa: BLE001 - a failed seed must not keep the demo down
                    log.exception("demo_seed_failed", service=rt.name)
        log.info("demo_ready", services=[rt.name for rt in runtimes], tenant_id=tenant_id)
        try:
            yield
        finally:
            for rt in reversed(everything):
                rt.stop()
            backend.close()

    app.router.lifespan_context = lifespan
    return app


def seed_demo_baselines(runtime: ServiceRuntime, tenant_id: str) -> None:
    """The demo merchant's pre-go-live figures, so every KPI page has something to compare with."""
    spec = runtime.definition.kpi
    values = {b.code: b.demo_value for b in spec.baselines if b.demo_value is not None} if spec else {}
    if values:
        with runtime.database.tenant_transaction(tenant_id) as session:
            seed_baselines(session, values, note="demo merchant's figures before go-live")


def ensure_demo_tenant(console: ServiceRuntime) -> str:
    """The demo merchant, created on the first start of a data dir and reused afterwards."""
    assert console.keys.private_pem is not None
    with console.database.system_transaction() as session:
        user = session.scalar(select(UserAccount).where(UserAccount.email == DEMO_EMAIL))
        if user is not None:
            return user.tenant_id
        created = identity.create_tenant(
            session,
            TokenSigner(console.keys.private_pem),
            name=DEMO_TENANT_NAME,
            owner_email=DEMO_EMAIL,
            owner_password=DEMO_PASSWORD,
        )
        return created.tenant_id
