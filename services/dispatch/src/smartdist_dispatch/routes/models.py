"""Tables of a stored plan: one plan per planning run, a route per used vehicle, a stop per order."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from smartdist.db import TenantScoped, UtcDateTime, utcnow
from smartdist_dispatch.db import Base
from smartdist_dispatch.fleet.models import IdColumn


class RoutePlan(TenantScoped, Base):
    __tablename__ = "route_plan"

    id: Mapped[int] = mapped_column(IdColumn, primary_key=True)
    plan_date: Mapped[date] = mapped_column(Date, index=True)
    depot_id: Mapped[int] = mapped_column(ForeignKey("depot.id"))
    status: Mapped[str] = mapped_column(String(20), default="planned")  # planned | published
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    total_distance_m: Mapped[int] = mapped_column(Integer, default=0)
    total_duration_s: Mapped[int] = mapped_column(Integer, default=0)
    # The earliest planned order's creation: the start of the planning-time KPI.
    orders_ready_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # Orders ready -> published, set on publish.
    elapsed_s: Mapped[float | None] = mapped_column(Float, nullable=True)


class Route(TenantScoped, Base):
    __tablename__ = "route"

    id: Mapped[int] = mapped_column(IdColumn, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("route_plan.id", ondelete="CASCADE"), index=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicle.id"))
    seq: Mapped[int] = mapped_column(Integer)
    distance_m: Mapped[int] = mapped_column(Integer)
    duration_s: Mapped[int] = mapped_column(Integer)


class RouteStop(TenantScoped, Base):
    __tablename__ = "route_stop"

    id: Mapped[int] = mapped_column(IdColumn, primary_key=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("route.id", ondelete="CASCADE"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("delivery_order.id"))
    seq: Mapped[int] = mapped_column(Integer)
    eta: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending|arrived|delivered|failed
