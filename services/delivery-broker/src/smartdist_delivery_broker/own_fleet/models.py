"""Per-merchant terms of its own fleet: whether it is offered, its fee, reach, COD and hours."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smartdist.db import TenantScoped, UtcDateTime, new_id, utcnow
from smartdist_delivery_broker.db import Base


class OwnFleetSettingRow(TenantScoped, Base):
    __tablename__ = "own_fleet_setting"
    __table_args__ = (UniqueConstraint("tenant_id", name="uq_own_fleet_setting_tenant"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    enabled: Mapped[bool] = mapped_column(default=False)
    fee_twd: Mapped[int] = mapped_column(Integer)
    max_distance_m: Mapped[int | None] = mapped_column(Integer, nullable=True)
    cod_allowed: Mapped[bool] = mapped_column(default=True)
    # Local (Asia/Taipei) "HH:MM"; a window ending before it starts runs past midnight.
    service_start: Mapped[str] = mapped_column(String(5), default="09:00")
    service_end: Mapped[str] = mapped_column(String(5), default="21:00")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)
