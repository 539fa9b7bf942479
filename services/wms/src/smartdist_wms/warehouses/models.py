"""Settings of one warehouse of the tenant."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smartdist.db import TenantScoped, UtcDateTime, utcnow
from smartdist_wms.db import Base, IdColumn


class WarehouseSettings(TenantScoped, Base):
    __tablename__ = "warehouse_settings"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    id: Mapped[int] = mapped_column(IdColumn, primary_key=True)
    code: Mapped[str] = mapped_column(String(40))  # the warehouse (SMARTDIST_WMS_WAREHOUSE_CODE)
    # 1: receive and put away in one step; 2: receive, then put away; 3: receive, inspect (QC), put away.
    receiving_steps: Mapped[int] = mapped_column(Integer, default=2)
    updated_by: Mapped[str] = mapped_column(String(100), default="")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
