"""What the seller earns: captured payments, the platform's fee on each, and the net payout."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartdist_surplus_market.payouts.schemas import PayoutStatement
from smartdist_surplus_market.reservations.models import Reservation


def statement(session: Session, *, start: datetime | None, end: datetime | None, fee_percent: float) -> PayoutStatement:
    stmt = select(
        func.count(Reservation.id),
        func.coalesce(func.sum(Reservation.amount), 0),
        func.coalesce(func.sum(Reservation.service_fee), 0),
    ).where(Reservation.payment_status == "captured")
    if start is not None:
        stmt = stmt.where(Reservation.closed_at >= start)
    if end is not None:
        stmt = stmt.where(Reservation.closed_at < end)
    count, gross, fees = session.execute(stmt).one()
    return PayoutStatement(
        transactions=int(count),
        gross_twd=int(gross),
        fees_twd=int(fees),
        net_twd=int(gross) - int(fees),
        fee_percent=fee_percent,
        start=start,
        end=end,
    )
