"""Queries of delivery orders reused by several use cases."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, select

from smartdist.db import ScopedSession
from smartdist_dispatch.fleet.models import Depot
from smartdist_dispatch.orders.models import DeliveryOrder


def existing_order_nos(session: ScopedSession, order_nos: Iterable[str]) -> set[str]:
    wanted = list(set(order_nos))
    found: set[str] = set()
    for i in range(0, len(wanted), 500):  # keep IN lists short for large imports
        chunk = wanted[i : i + 500]
        found.update(session.scalars(select(DeliveryOrder.order_no).where(DeliveryOrder.order_no.in_(chunk))))
    return found


def orders_of_status(status: str | None) -> Select[DeliveryOrder]:
    stmt = select(DeliveryOrder)
    return stmt if status is None else stmt.where(DeliveryOrder.status == status)


def first_depot_code(session: ScopedSession) -> str | None:
    return session.scalars(select(Depot.code).order_by(Depot.id).limit(1)).first()
