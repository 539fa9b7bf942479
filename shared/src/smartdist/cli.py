"""``smartdist``: demo, serve, worker, migrate, tenant, bus, keys."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from smartdist.bus.cli import bus_cli
from smartdist.config import get_platform_settings
from smartdist.db import Database

ALL_SERVICES = "all"


def _runtime(name: str):  # type: ignore[no-untyped-def]
    from smartdist.catalog import definition
    from smartdist.runtime import ServiceRuntime

    return ServiceRuntime(definition(name))


def _all_databases() -> dict[str, Database]:
    from smartdist.catalog import service_definitions

    names = ["identity", *service_definitions()]
    return {name: _runtime(name).database for name in names}


@click.group(help="smartdist: six smart-distribution services on one platform.")
def main() -> None:
    from smartdist.web.observability import configure_logging

    settings = get_platform_settings()
    configure_logging(settings.log_level, settings.log_json)


@main.command(help="Run the whole platform in one process: console at /, each service under /<name>.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def demo(host: str, port: int) -> None:
    import uvicorn

    from smartdist.demo import build_demo_app

    settings = get_platform_settings()
    # The WMS and the surplus market book couriers over the broker's REST API (SPEC §5 flows 3
    # and 4), also from their jobs, where no request tells them the origin: here it is this process.
    loopback = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    settings.service_urls.setdefault("delivery-broker", f"http://{loopback}:{port}/delivery-broker")
    app = build_demo_app(settings)
    click.echo(f"smartdist demo on http://{host}:{port}/ (data in {settings.resolved_data_dir()})", err=True)
    uvicorn.run(app, host=host, port=port, access_log=False, log_config=None)


@main.command(help="Run one service alone (or 'console') with its relay and consumer.")
@click.argument("service")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(service: str, host: str, port: int) -> None:
    import uvicorn

    from smartdist.web.app import create_service_app

    runtime = _runtime(service)
    if runtime.name == "identity":
        from smartdist.console import create_console_app, standalone_links

        app = create_console_app(runtime, standalone_links(runtime.settings.service_urls))
    else:
        app = create_service_app(runtime)
    uvicorn.run(app, host=host, port=port, access_log=False, log_config=None)


@main.command(help="Run a Celery worker for every service's background jobs.")
@click.option("--concurrency", default=2, show_default=True, type=int)
@click.option("--queues", default=None, help="Queues to consume (default: the deployment's job queue).")
@click.option(
    "--hostname",
    default=None,
    help="This worker's unique Celery node name (default: worker-<pid>-<random>@<host>).",
)
def worker(concurrency: int, queues: str | None, hostname: str | None) -> None:
    from smartdist.catalog import service_definitions
    from smartdist.jobs.celery_app import create_celery, job_queue

    settings = get_platform_settings()
    # Every service's runtime (and so its job modules, OR-Tools, LightGBM...) is loaded before
    # the first job, once, instead of inside the first job of each service under two threads.
    # Each runtime's job runner also reaps: jobs of dead workers are queued again.
    runtimes: dict[str, Any] = {}
    for name in service_definitions():
        rt = _runtime(name)
        rt.start(migrate=False, background=False)
        runtimes[name] = rt

    def runtime_for(name: str) -> Any:
        if name not in runtimes:
            raise LookupError(f"no service '{name}' is installed in this worker")
        return runtimes[name]

    node = hostname or default_node_name()
    app = create_celery(settings, runtime_for)
    try:
        app.worker_main(
            [
                "worker",
                "--loglevel=INFO",
                f"--concurrency={concurrency}",
                "-Q",
                queues or job_queue(settings),
                "--pool=threads",
                f"--hostname={node}",
            ]
        )
    finally:
        for rt in runtimes.values():
            rt.stop()


def default_node_name() -> str:
    """Unique per worker process, also for two workers on one host (Celery's default is not)."""
    import os
    import secrets
    import socket

    return f"worker-{os.getpid()}-{secrets.token_hex(3)}@{socket.gethostname()}"


@main.command(help="Bring every database (or the named services') to the newest schema.")
@click.argument("services", nargs=-1)
def migrate(services: tuple[str, ...]) -> None:
    from smartdist.catalog import service_definitions

    names = list(services) or ["identity", *service_definitions()]
    for name in names:
        rt = _runtime(name)
        rt.migrate()
        click.echo(json.dumps({"service": rt.name, "migrated": True}))
        rt.database.dispose()


@main.group(help="Tenants (merchants).")
def tenant() -> None:
    pass


@tenant.command("create", help="Create a tenant with an owner; prints JSON with tenant_id and api_key.")
@click.option("--name", required=True)
@click.option("--owner-email", default=None)
@click.option("--owner-password", default=None)
def tenant_create(name: str, owner_email: str | None, owner_password: str | None) -> None:
    from smartdist.auth.tokens import TokenSigner
    from smartdist.identity import service as identity
    from smartdist.problems import Problem

    rt = _runtime("identity")
    rt.migrate()
    if rt.keys.private_pem is None:
        raise click.ClickException("creating a tenant signs its API key: SMARTDIST_AUTH_PRIVATE_KEY is needed")
    try:
        with rt.database.system_transaction() as session:
            created = identity.create_tenant(
                session,
                TokenSigner(rt.keys.private_pem),
                name=name,
                owner_email=owner_email,
                owner_password=owner_password,
            )
    except Problem as exc:
        raise click.ClickException(exc.detail) from None
    finally:
        rt.database.dispose()
    click.echo(
        json.dumps(
            {
                "tenant_id": created.tenant_id,
                "name": created.name,
                "api_key": created.api_key,
                "api_key_id": created.api_key_id,
                "owner_email": created.owner_email,
                "owner_password": created.owner_password,
            },
            ensure_ascii=False,
        )
    )


@main.group(help="Schema migrations for developers.")
def db() -> None:
    pass


@db.command("revision", help="Autogenerate a migration of SERVICE's own tables into its package.")
@click.argument("service")
@click.option("-m", "--message", required=True)
def db_revision(service: str, message: str) -> None:
    import tempfile
    from pathlib import Path

    from alembic import command

    from smartdist.catalog import definition
    from smartdist.migrate import alembic_config, service_versions, upgrade

    d = definition(service)
    if d.base is None:
        raise click.ClickException(f"{service} declares no tables of its own")
    label = d.package.removeprefix("smartdist_").removeprefix("smartdist.")
    with tempfile.TemporaryDirectory() as tmp:
        # Compare the models with a database migrated to the newest revision of every branch.
        database = Database(f"sqlite:///{Path(tmp) / 'revision.db'}")
        upgrade(database, d.package, d.base)
        versions = service_versions(d.package)
        cfg = alembic_config(database, [Path(__file__).parent / "migrations" / "versions", versions], [d.base])
        script = command.revision(
            cfg, message=message, autogenerate=True, head=f"{label}@head", version_path=str(versions)
        )
        database.dispose()
    click.echo(
        json.dumps(
            {"service": service, "revision": getattr(script, "revision", None), "path": getattr(script, "path", None)}
        )
    )


@main.group(help="Signing keys.")
def keys() -> None:
    pass


@keys.command("generate", help="Print a new Ed25519 key pair as JSON (for Secrets in production).")
def keys_generate() -> None:
    from smartdist.auth.keys import generate_pem_pair

    pair = generate_pem_pair()
    click.echo(
        json.dumps({"SMARTDIST_AUTH_PRIVATE_KEY": pair.private_pem, "SMARTDIST_AUTH_PUBLIC_KEY": pair.public_pem})
    )


@main.group(help="Background jobs of every service: list, retry, cancel.")
def jobs() -> None:
    pass


@jobs.command("list", help="Print jobs as JSON lines, newest first.")
@click.option("--service", "services", multiple=True, help="Only these services (repeatable).")
@click.option("--status", type=click.Choice(["queued", "running", "succeeded", "failed"]), default=None)
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
def jobs_list(services: tuple[str, ...], status: str | None, limit: int) -> None:
    from sqlalchemy import select

    from smartdist.jobs.models import Job

    for name, database in _job_databases(services).items():
        with database.system_session(read_only=True) as session:
            query = select(Job).order_by(Job.id.desc()).limit(limit)
            if status:
                query = query.where(Job.status == status)
            for job in session.scalars(query):
                click.echo(json.dumps(_job_line(name, job), ensure_ascii=False))
        database.dispose()


@jobs.command("retry", help="Queue a failed job again from the start.")
@click.argument("job_id")
def jobs_retry(job_id: str) -> None:
    from smartdist.jobs.registry import retry_job

    _change_job(job_id, lambda session: retry_job(session, job_id))


@jobs.command("cancel", help="Cancel a queued or running job (it ends failed).")
@click.argument("job_id")
def jobs_cancel(job_id: str) -> None:
    import getpass

    from smartdist.jobs.registry import cancel_job

    _change_job(job_id, lambda session: cancel_job(session, job_id, by=f"{getpass.getuser()} (CLI)"))


class _LeaveForTheService:
    def dispatch(self, job_id: str) -> None:
        return None


def _job_databases(services: tuple[str, ...] = ()) -> dict[str, Database]:
    from smartdist.catalog import service_definitions

    return {name: _runtime(name).database for name in (services or tuple(service_definitions()))}


def _job_line(service: str, job: Any) -> dict[str, Any]:
    return {
        "service": service,
        "id": job.id,
        "tenant_id": job.tenant_id,
        "kind": job.kind,
        "status": job.status,
        "progress": job.progress,
        "attempts": job.attempts,
        "error": job.error,
        "created_at": job.created_at.isoformat(),
    }


def _change_job(job_id: str, change: Any) -> None:
    """Find the job in whichever service holds it, change it there (its runtime dispatches)."""
    from smartdist.catalog import service_definitions
    from smartdist.jobs.models import Job
    from smartdist.jobs.registry import DISPATCHER_KEY
    from smartdist.problems import Problem

    for name in service_definitions():
        rt = _runtime(name)
        if rt.settings.effective_jobs_backend() == "inprocess":
            # The service process runs its own jobs: it adopts a job queued here within half a
            # lease. Running it in this short-lived CLI process would cut it off at exit.
            rt.database.info[DISPATCHER_KEY] = _LeaveForTheService()
        try:
            with rt.database.system_session(read_only=True) as session:
                if session.get(Job, job_id) is None:
                    continue
            try:
                with rt.database.system_transaction() as session:
                    job = change(session)
                    line = _job_line(name, job)
            except Problem as exc:
                raise click.ClickException(exc.detail) from None
            click.echo(json.dumps(line, ensure_ascii=False))
            return
        finally:
            rt.jobs.stop()
            rt.database.dispose()
    raise click.ClickException(f"no job '{job_id}' in any service")


main.add_command(bus_cli(_all_databases))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
