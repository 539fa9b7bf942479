"""The geocoding cache's migration creates what the model declares, and downgrades."""

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from smartdist.db import Database
from smartdist.migrate import PLATFORM_MIGRATIONS, alembic_config, service_versions
from smartdist_dispatch.app import DEFINITION

TABLE = "geocoded_address"


def _about_the_cache(diff: object) -> bool:
    items = diff if isinstance(diff, list) else [diff]
    for item in items:
        for part in item:
            table = getattr(part, "table", None)
            if (getattr(table, "name", None) or getattr(part, "name", None)) == TABLE or part == TABLE:
                return True
    return False


def test_cache_migration_matches_the_model_and_downgrades(empty_database: Database, tmp_path: Path) -> None:
    empty_database.ensure_schema()
    base = DEFINITION.base
    cfg = alembic_config(
        empty_database, [PLATFORM_MIGRATIONS / "versions", service_versions("smartdist_dispatch")], [base]
    )
    command.upgrade(cfg, "heads")
    with empty_database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_schemas": False})
        assert [d for d in compare_metadata(context, base.metadata) if _about_the_cache(d)] == []
    command.downgrade(cfg, "9d2e2a707941")
    with empty_database.engine.connect() as conn:
        assert TABLE not in set(MigrationContext.configure(conn).impl.dialect.get_table_names(conn))
