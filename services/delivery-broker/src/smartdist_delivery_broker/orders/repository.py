"""Queries of delivery orders: look-ups by id and platform reference, the board's filters, events."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from smartdist.db import Database
from smartdist_delivery_broker.orders.models import DeliveryOrder, DeliveryStatusEvent


def find_order(session: Session, delivery_id: str, *, for_update: bool = False) -> DeliveryOrder | None:
    """The delivery with this id in the session's tenant (another tenant's id finds nothing)."""
    stmt = select(DeliveryOrder).where(DeliveryOrder.id == delivery_id)
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalar(stmt)


def owner_of(database: Database, provider: str, platform_ref: str) -> tuple[str, str] | None:
    """(order id, tenant id) of the delivery a platform calls `platform_ref`, in a short read."""
    with database.system_session() as lookup:
        found = lookup.execute(
            select(DeliveryOrder.id, DeliveryOrder.tenant_id).where(
                DeliveryOrder.provider == provider, DeliveryOrder.platform_ref == platform_ref
            )
        ).first()
    return None if found is None else (str(found.id), str(found.tenant_id))


def deliveries_query(
    *,
    status: str | None = None,
    provider: str | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
) -> Select[DeliveryOrder]:
    """The board's filters: status, provider, created at or after `created_from`, before `created_to`."""
    stmt = select(DeliveryOrder)
    if status:
        stmt = stmt.where(DeliveryOrder.status == status)
    if provider:
        stmt = stmt.where(DeliveryOrder.provider == provider)
    if created_from is not None:
        stmt = stmt.where(DeliveryOrder.created_at >= created_from)
    if created_to is not None:
        stmt = stmt.where(DeliveryOrder.created_at < created_to)
    return stmt


def lifecycle_events(session: Session, order_id: str) -> Sequence[Any]:
    """Only the columns the lifecycle needs: the raw payloads can be large and are not read here."""
    return session.execute(
        select(
            DeliveryStatusEvent.event_key,
            DeliveryStatusEvent.outcome,
            DeliveryStatusEvent.status,
            DeliveryStatusEvent.occurred_at,
            DeliveryStatusEvent.raw_status,
            DeliveryStatusEvent.late,
        ).where(DeliveryStatusEvent.order_id == order_id)
    ).all()


def status_events(session: Session, order_id: str) -> list[DeliveryStatusEvent]:
    """Every status report received for the delivery, oldest first."""
    return list(
        session.scalars(
            select(DeliveryStatusEvent)
            .where(DeliveryStatusEvent.order_id == order_id)
            .order_by(DeliveryStatusEvent.received_at)
        )
    )


def interrupted_placings(
    session: Session, placing_status: str, before: datetime, limit: int = 100
) -> list[tuple[str, str]]:
    """(order id, tenant id) of bookings claimed before `before` whose platform answer was never
    recorded (the process stopped between the two transactions of a booking)."""
    rows = session.execute(
        select(DeliveryOrder.id, DeliveryOrder.tenant_id)
        .where(
            DeliveryOrder.platform_ref.is_(None),
            DeliveryOrder.raw_status == placing_status,
            DeliveryOrder.created_at < before,
        )
        .order_by(DeliveryOrder.id)
        .limit(limit)
    ).all()
    return [(str(r[0]), str(r[1])) for r in rows]
