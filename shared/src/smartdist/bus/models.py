"""Outbox and processed-event tables, present in every service's database.

Neither is tenant scoped: the relay and the consumers are system processes that work across
tenants; the tenant of an event travels in the envelope (and in ``outbox_event.tenant_id``
for inspection).
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Index, Integer, String, Table, Text, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column

from smartdist.db import PlatformBase, UtcDateTime, utcnow


class OutboxEvent(PlatformBase):
    """An event written in the same transaction as the change that caused it, until relayed."""

    __tablename__ = "outbox_event"
    __table_args__ = (
        # The relay asks for "unpublished, oldest first" and the purge for "published before X";
        # one (published_at, id) index serves both.
        Index("ix_outbox_event_published_at_id", "published_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    type: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str | None] = mapped_column(String(255))
    tenant_id: Mapped[str | None] = mapped_column(String(32))
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    last_error: Mapped[str | None] = mapped_column(Text)


class ProcessedEvent(PlatformBase):
    """An event a consumer group has handled; committed together with the handler's writes."""

    __tablename__ = "processed_event"

    consumer: Mapped[str] = mapped_column(String(200), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)


BUS_TABLES: tuple[Table, ...] = (cast(Table, OutboxEvent.__table__), cast(Table, ProcessedEvent.__table__))


def create_bus_tables(engine: Engine) -> None:
    """Create the two tables without Alembic (tests, benchmarks); services migrate with p0002_bus."""
    PlatformBase.metadata.create_all(engine, tables=list(BUS_TABLES))
