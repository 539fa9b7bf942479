"""Tables of the fleet: enough to build the planner's vehicles (planning.model.Vehicle) later."""

from __future__ import annotations

from datetime import time

from sqlalchemy import BigInteger, Float, ForeignKey, Integer, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smartdist.db import TenantScoped
from smartdist_dispatch.db import Base

# SQLite only autoincrements an INTEGER PRIMARY KEY, PostgreSQL gets a BIGINT identity.
IdColumn = BigInteger().with_variant(Integer(), "sqlite")


class Depot(TenantScoped, Base):
    __tablename__ = "depot"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    id: Mapped[int] = mapped_column(IdColumn, primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    address: Mapped[str] = mapped_column(String(400), default="")


class Vehicle(TenantScoped, Base):
    __tablename__ = "vehicle"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    id: Mapped[int] = mapped_column(IdColumn, primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(16))  # van | scooter
    # One capacity per demand dimension of an order (weight, volume, boxes).
    capacity_weight_kg: Mapped[float] = mapped_column(Float)
    capacity_volume_l: Mapped[float] = mapped_column(Float)
    capacity_boxes: Mapped[int] = mapped_column(Integer)
    # Local wall-clock times of the daily shift (Asia/Taipei); a plan date turns them into instants.
    shift_start: Mapped[time] = mapped_column(Time)
    shift_end: Mapped[time] = mapped_column(Time)
    fixed_cost_twd: Mapped[int] = mapped_column(Integer, default=0)
    # The daily driver break: it starts between break_start and break_end (local times) and lasts
    # break_minutes; no break when the window is not set or the minutes are 0.
    break_start: Mapped[time | None] = mapped_column(Time, nullable=True)
    break_end: Mapped[time | None] = mapped_column(Time, nullable=True)
    break_minutes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Longest working day, depot to depot; None: only the shift bounds it.
    max_working_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Trips per day: 2 lets the vehicle come back to its depot once to reload.
    max_trips: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    depot_id: Mapped[int | None] = mapped_column(ForeignKey("depot.id", ondelete="SET NULL"), nullable=True)


class Driver(TenantScoped, Base):
    __tablename__ = "driver"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    id: Mapped[int] = mapped_column(IdColumn, primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(40), default="")
    # The identity subject of the driver's login, once they have one (the mobile app finds them by it).
    user_subject: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # The vehicle this driver usually drives: publishing a plan gives them that vehicle's route.
    vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("vehicle.id", ondelete="SET NULL"), nullable=True)
