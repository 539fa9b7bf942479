"""A redemption: a clerk took a coupon at the counter (and may have reversed it)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from smartdist.db import TenantScoped, UtcDateTime, utcnow
from smartdist_virtual_store.db import Base


class Redemption(TenantScoped, Base):
    __tablename__ = "redemption"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    # None for a generic (shared) code: the campaign's code was redeemed, not a claimed coupon.
    coupon_id: Mapped[str | None] = mapped_column(ForeignKey("coupon.id"), index=True, nullable=True)
    campaign_id: Mapped[str] = mapped_column(String(32), index=True)
    code: Mapped[str] = mapped_column(String(32))
    spend: Mapped[int] = mapped_column(Integer)
    discount: Mapped[int] = mapped_column(Integer)
    clerk: Mapped[str] = mapped_column(String(64), default="")
    # Generic codes: who redeemed (member number, phone, consumer id) for the per-customer limit.
    customer_ref: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    status: Mapped[str] = mapped_column(String(20), default="redeemed")  # redeemed | reversed
    redeemed_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    reversed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    reversed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
