"""The subsidy ledger in the database: one balance row per merchant plus its entries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smartdist.db import TenantScoped, UtcDateTime, new_id, utcnow
from smartdist_delivery_broker.db import Base


class SubsidyAccountRow(TenantScoped, Base):
    __tablename__ = "subsidy_account"
    __table_args__ = (
        UniqueConstraint("tenant_id", name="uq_subsidy_account_tenant"),
        # Last line of defence: the database itself refuses an overspent balance.
        CheckConstraint("spent <= cap", name="within_cap"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    cap: Mapped[int] = mapped_column(Integer)
    spent: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)


class SubsidyEntryRow(TenantScoped, Base):
    __tablename__ = "subsidy_entry"
    __table_args__ = (
        # One charge and at most one release per booking, whatever retries happen.
        UniqueConstraint("tenant_id", "booking_ref", "kind", name="uq_subsidy_entry_booking_kind"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    booking_ref: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(10))
    delivery_fee: Mapped[int] = mapped_column(Integer)
    cod_fee: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(Integer)
    balance_after: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
