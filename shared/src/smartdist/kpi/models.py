"""The KPI log (SPEC §3): one record per state change of a business document."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from smartdist.db import PlatformBase, TenantScoped, UtcDateTime, utcnow


class KpiRecord(TenantScoped, PlatformBase):
    __tablename__ = "kpi_record"
    __table_args__ = (
        Index("ix_kpi_record_tenant_id_at", "tenant_id", "at"),
        Index("ix_kpi_record_tenant_id_doc", "tenant_id", "doc_type", "doc_no"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    service: Mapped[str] = mapped_column(String(40))
    doc_type: Mapped[str] = mapped_column(String(40))
    doc_no: Mapped[str] = mapped_column(String(80))
    sender: Mapped[str] = mapped_column(String(200), default="")
    receiver: Mapped[str] = mapped_column(String(200), default="")
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    received_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    status: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    elapsed_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    amount_twd: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    quantity: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    distance_m: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class KpiBaseline(TenantScoped, PlatformBase):
    """A figure from before go-live entered by the merchant; the latest entry per code counts."""

    __tablename__ = "kpi_baseline"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    code: Mapped[str] = mapped_column(String(60))
    value: Mapped[float] = mapped_column(Float)
    note: Mapped[str] = mapped_column(String(500), default="")
    entered_by: Mapped[str] = mapped_column(String(64), default="")
    entered_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
