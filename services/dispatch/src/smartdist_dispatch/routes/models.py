"""Tables of a stored plan: one plan per planning run, a route per used vehicle, a stop per order."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from smartdist.db import TenantScoped, UtcDateTime, utcnow
from smartdist_dispatch.db import Base
from smartdist_dispatch.fleet.models import IdColumn


class RoutePlan(TenantScoped, Base):
    __tablename__ = "route_plan"

    id: Mapped[int] = mapped_column(IdColumn, primary_key=True)
    plan_date: Mapped[date] = mapped_column(Date, index=True)
    depot_id: Mapped[int] = mapped_column(ForeignKey("depot.id"))
    status: Mapped[str] = mapped_column(String(20), default="planned")  # planned | published | superseded
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    total_distance_m: Mapped[int] = mapped_column(Integer, default=0)
    total_duration_s: Mapped[int] = mapped_column(Integer, default=0)
    # The earliest planned order's creation: the start of the planning-time KPI.
    orders_ready_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # Orders ready -> published, set on publish.
    elapsed_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    # The merchant's own plan for the same orders (plan mode), the reference for CO2e saved.
    baseline_distance_m: Mapped[int | None] = mapped_column(Integer, nullable=True)
    baseline_source: Mapped[str | None] = mapped_column(String(20), nullable=True)  # hand_plan | daily_baseline


class Route(TenantScoped, Base):
    __tablename__ = "route"

    id: Mapped[int] = mapped_column(IdColumn, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("route_plan.id", ondelete="CASCADE"), index=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicle.id"))
    seq: Mapped[int] = mapped_column(Integer)
    distance_m: Mapped[int] = mapped_column(Integer)
    duration_s: Mapped[int] = mapped_column(Integer)
    # Who drives it: chosen on publish (the vehicle's usual driver or the dispatcher's pick).
    driver_id: Mapped[int | None] = mapped_column(
        ForeignKey("driver.id", ondelete="SET NULL"), nullable=True, index=True
    )
    # planned -> published -> in_progress (first arrival) -> completed (every stop delivered or failed)
    status: Mapped[str] = mapped_column(String(20), default="planned")
    # Bumped on every live change (rush insertion, re-plan) so a driver's phone sees its copy is stale.
    revision: Mapped[int] = mapped_column(Integer, default=1)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class RouteStop(TenantScoped, Base):
    __tablename__ = "route_stop"

    id: Mapped[int] = mapped_column(IdColumn, primary_key=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("route.id", ondelete="CASCADE"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("delivery_order.id"))
    seq: Mapped[int] = mapped_column(Integer)
    eta: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending|arrived|delivered|failed
    arrived_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)  # delivered or failed
    # Failure reason code: damaged | refused | nobody_home | address_wrong | other
    reason_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    recipient_name: Mapped[str] = mapped_column(String(200), default="")
    cash_collected_twd: Mapped[int | None] = mapped_column(Integer, nullable=True)


class StopProof(TenantScoped, Base):
    """A signature or photo taken at a stop; the bytes live under the service's data dir."""

    __tablename__ = "stop_proof"

    id: Mapped[int] = mapped_column(IdColumn, primary_key=True)
    stop_id: Mapped[int] = mapped_column(ForeignKey("route_stop.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # signature | photo
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(400))  # relative to the data dir
    taken_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class GpsBreadcrumb(TenantScoped, Base):
    """One position reported by a driver's phone while on a route."""

    __tablename__ = "gps_breadcrumb"

    id: Mapped[int] = mapped_column(IdColumn, primary_key=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("route.id", ondelete="CASCADE"), index=True)
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float, nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)  # the phone's clock
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class RouteNotice(TenantScoped, Base):
    """A change the driver must see: a rush stop inserted, the route re-planned, a stop cancelled."""

    __tablename__ = "route_notice"

    id: Mapped[int] = mapped_column(IdColumn, primary_key=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("route.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # rush_inserted | replanned | stop_removed
    message: Mapped[str] = mapped_column(Text)
    revision: Mapped[int] = mapped_column(Integer)  # the route revision this notice announces
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
