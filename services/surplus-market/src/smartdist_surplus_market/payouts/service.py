"""What the seller earns: captured payments, the platform's fee on each, and the net payout."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartdist_surplus_market.listings.models import Listing
from smartdist_surplus_market.payouts.schemas import ImpactReport, PayoutStatement
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


def impact(session: Session, *, start: datetime | None, end: datetime | None, co2e_per_kg: float) -> ImpactReport:
    """Goods that found a buyer instead of the bin: orders picked up or delivered in the period."""
    stmt = (
        select(
            func.count(Reservation.id),
            func.coalesce(func.sum(Reservation.quantity), 0),
            func.coalesce(func.sum(Reservation.amount), 0),
            func.coalesce(func.sum(Reservation.quantity * Listing.weight_kg), 0.0),
        )
        .join(Listing, Listing.id == Reservation.listing_id)
        .where(Reservation.status.in_(["picked_up", "delivered"]))
    )
    if start is not None:
        stmt = stmt.where(Reservation.closed_at >= start)
    if end is not None:
        stmt = stmt.where(Reservation.closed_at < end)
    orders, units, revenue, kg = session.execute(stmt).one()
    return ImpactReport(
        orders=int(orders),
        units=int(units),
        revenue_recovered_twd=int(revenue),
        kg_saved=round(float(kg), 3),
        co2e_kg=round(float(kg) * co2e_per_kg, 3),
        co2e_factor=co2e_per_kg,
        start=start,
        end=end,
    )
