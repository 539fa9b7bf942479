"""``smartdist``: demo, serve, worker, migrate, tenant, bus, keys."""

from __future__ import annotations

import json
import sys

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
@click.option("--queues", default="celery", show_default=True)
def worker(concurrency: int, queues: str) -> None:
    from smartdist.jobs.celery_app import create_celery

    runtimes: dict[str, object] = {}

    def runtime_for(name: str):  # type: ignore[no-untyped-def]
        if name not in runtimes:
            rt = _runtime(name)
            rt.start(migrate=False, background=False)
            runtimes[name] = rt
        return runtimes[name]

    app = create_celery(get_platform_settings(), runtime_for)
    app.worker_main(["worker", "--loglevel=INFO", f"--concurrency={concurrency}", "-Q", queues, "--pool=threads"])


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


main.add_command(bus_cli(_all_databases))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
