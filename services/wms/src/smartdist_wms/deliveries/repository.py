"""Look-ups of outbound deliveries shared by the use cases, the consumer and the retry loop."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartdist_wms.deliveries.domain import BOOKING
from smartdist_wms.deliveries.models import OutboundDelivery


def for_order(session: Session, order_id: int) -> OutboundDelivery | None:
    return session.scalar(select(OutboundDelivery).where(OutboundDelivery.order_id == order_id))


def for_orders(session: Session, order_ids: Iterable[int]) -> dict[int, OutboundDelivery]:
    ids = list(order_ids)
    if not ids:
        return {}
    rows = session.scalars(select(OutboundDelivery).where(OutboundDelivery.order_id.in_(ids)))
    return {row.order_id: row for row in rows}


def lock(session: Session, delivery_id: int) -> OutboundDelivery | None:
    stmt = (
        select(OutboundDelivery)
        .where(OutboundDelivery.id == delivery_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.scalar(stmt)


def by_broker_delivery(session: Session, delivery_id: str | None, reference: str | None) -> OutboundDelivery | None:
    """Ours by the broker's id; else (the booking's answer not written yet) the one still booking with this ref."""
    if delivery_id:
        found = session.scalar(select(OutboundDelivery).where(OutboundDelivery.delivery_id == delivery_id))
        if found is not None:
            return found
    if reference:
        return session.scalar(
            select(OutboundDelivery)
            .where(
                OutboundDelivery.ref == reference,
                OutboundDelivery.status == BOOKING,
                OutboundDelivery.delivery_id.is_(None),
            )
            .order_by(OutboundDelivery.id)
            .limit(1)
        )
    return None


def waiting_for_a_courier(session: Session, tried_before: datetime, limit: int = 100) -> list[tuple[str, int]]:
    """(tenant, delivery id) of shipped orders still without a booking, last tried before ``tried_before``."""
    stmt = (
        select(OutboundDelivery.tenant_id, OutboundDelivery.id)
        .where(
            OutboundDelivery.status == BOOKING,
            # Never tried: its job may simply not have started yet; give it the same pause.
            (OutboundDelivery.attempted_at.is_(None) & (OutboundDelivery.status_at < tried_before))
            | (OutboundDelivery.attempted_at < tried_before),
        )
        .order_by(OutboundDelivery.id)
        .limit(limit)
    )
    return [(str(t), int(i)) for t, i in session.execute(stmt)]
