"""The p0002_bus Alembic revision builds exactly the tables the models describe."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from alembic.autogenerate import compare_metadata
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, inspect

from smartdist.bus.models import BUS_TABLES
from smartdist.db import NAMING_CONVENTION, Database

REVISION = Path(__file__).resolve().parents[3] / "src" / "smartdist" / "migrations" / "versions" / "p0002_bus.py"


def load_revision() -> ModuleType:
    spec = importlib.util.spec_from_file_location("p0002_bus", REVISION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def bus_metadata() -> MetaData:
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    for table in BUS_TABLES:
        table.to_metadata(metadata)
    return metadata


def test_revision_follows_the_platform_revision() -> None:
    revision = load_revision()
    assert revision.revision == "p0002_bus"
    assert revision.down_revision == "p0001_platform"
    assert revision.branch_labels is None


def test_upgrade_matches_the_models_and_downgrade_removes_them(empty_database: Database) -> None:
    revision = load_revision()
    empty_database.ensure_schema()
    with empty_database.engine.begin() as conn:
        with Operations.context(MigrationContext.configure(conn)):
            revision.upgrade()
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), bus_metadata())
        assert diffs == []
        with Operations.context(MigrationContext.configure(conn)):
            revision.downgrade()
        assert not {"outbox_event", "processed_event"} & set(inspect(conn).get_table_names())
