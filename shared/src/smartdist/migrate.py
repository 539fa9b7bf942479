"""Alembic at start-up: the platform tables' branch plus the service's own, ``upgrade heads``."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.orm import DeclarativeBase

from smartdist.db import Database, PlatformBase

PLATFORM_MIGRATIONS = Path(str(resources.files("smartdist") / "migrations"))


def import_platform_models() -> None:
    """Every platform table must be on PlatformBase.metadata before migrations compare against it."""
    import smartdist.auth.revocation  # noqa: F401
    import smartdist.bus.models  # noqa: F401
    import smartdist.idempotency  # noqa: F401
    import smartdist.jobs.models  # noqa: F401
    import smartdist.kpi.models  # noqa: F401


def alembic_config(database: Database, versions: list[Path], bases: list[type[DeclarativeBase]]) -> Config:
    import_platform_models()
    cfg = Config()
    cfg.set_main_option("script_location", str(PLATFORM_MIGRATIONS))
    cfg.set_main_option("path_separator", "os")
    import os

    cfg.set_main_option("version_locations", os.pathsep.join(str(v) for v in versions))
    cfg.attributes["database"] = database
    cfg.attributes["target_metadata"] = [PlatformBase.metadata] + [b.metadata for b in bases]
    return cfg


def service_versions(package: str) -> Path:
    return Path(str(resources.files(package) / "migrations" / "versions"))


def upgrade(database: Database, package: str | None, base: type[DeclarativeBase] | None) -> None:
    """Bring the service's database (or PostgreSQL schema) to the newest revision."""
    database.ensure_schema()
    versions = [PLATFORM_MIGRATIONS / "versions"]
    if package is not None:
        versions.append(service_versions(package))
    cfg = alembic_config(database, versions, [base] if base is not None else [])
    command.upgrade(cfg, "heads")
