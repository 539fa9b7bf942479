"""A merchant's markdown schedule template for one category of goods."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smartdist.db import TenantScoped, UtcDateTime, new_id, utcnow
from smartdist_surplus_market.db import Base


class MarkdownTemplate(TenantScoped, Base):
    __tablename__ = "markdown_template"
    __table_args__ = (UniqueConstraint("tenant_id", "category"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    category: Mapped[str] = mapped_column(String(40))
    # [{"hours_before": h, "percent_off": p}, ...] as the merchant wrote them.
    markdown: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # The floor as a percent of the list price (a listing's floor_price = list × floor / 100, half up).
    floor_percent: Mapped[int | None] = mapped_column(Integer, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)
