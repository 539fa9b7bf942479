"""Alembic environment shared by every service: the database comes in through ``attributes``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

config = context.config
database = config.attributes["database"]
target_metadata = config.attributes["target_metadata"]


def run_migrations_online() -> None:
    with database.engine.connect() as connection:
        if not database.is_sqlite:
            # Several replicas start at once: one migrates, the others wait and then find nothing to do.
            connection.execute(text("SELECT pg_advisory_lock(hashtext(current_schema()))"))
            connection.commit()
        try:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=database.is_sqlite,
                version_table_schema=database.schema,
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
            connection.commit()
        finally:
            if not database.is_sqlite:
                connection.execute(text("SELECT pg_advisory_unlock(hashtext(current_schema()))"))
                connection.commit()


run_migrations_online()
