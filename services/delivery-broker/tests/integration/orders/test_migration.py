"""The migrations create exactly what the models declare, and downgrades."""

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from smartdist.db import Database
from smartdist.migrate import PLATFORM_MIGRATIONS, alembic_config, service_versions
from smartdist_delivery_broker.db import Base
from smartdist_delivery_broker.orders import models as _order_models  # noqa: F401 - registers tables
from smartdist_delivery_broker.own_fleet import models as _own_fleet_models  # noqa: F401 - registers tables
from smartdist_delivery_broker.quotes import models as _quote_models  # noqa: F401 - registers tables
from smartdist_delivery_broker.subsidy import models as _subsidy_models  # noqa: F401 - registers tables

OURS = {"delivery_order", "delivery_status_event", "subsidy_account", "subsidy_entry", "quote_set", "own_fleet_setting"}


def _ours(diff: object) -> bool:
    """Diffs about this migration's tables (the platform's tables are not on our metadata)."""
    items = diff if isinstance(diff, list) else [diff]
    for item in items:
        for part in item:
            table = getattr(part, "table", None)
            name = getattr(table, "name", None) or getattr(part, "name", None)
            if name in OURS or (isinstance(part, str) and part in OURS):
                return True
    return False


def test_migration_matches_the_models_and_downgrades(empty_database: Database, tmp_path: Path) -> None:
    empty_database.ensure_schema()
    cfg = alembic_config(
        empty_database, [PLATFORM_MIGRATIONS / "versions", service_versions("smartdist_delivery_broker")], [Base]
    )
    command.upgrade(cfg, "heads")
    with empty_database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_schemas": False})
        diffs = [d for d in compare_metadata(context, Base.metadata) if _ours(d)]
    assert diffs == []
    command.downgrade(cfg, "delivery_broker@delivery_broker_0001")
    with empty_database.engine.connect() as conn:
        tables = set(MigrationContext.configure(conn).impl.dialect.get_table_names(conn))
    assert "delivery_order" not in tables and "subsidy_entry" not in tables and "quote_set" not in tables
