"""Campaigns and the coupons consumers claim from them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smartdist.db import TenantScoped, UtcDateTime, new_id, utcnow
from smartdist_virtual_store.db import Base


class Campaign(TenantScoped, Base):
    __tablename__ = "campaign"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(1000), default="")
    kind: Mapped[str] = mapped_column(String(10))  # amount | percent
    value: Mapped[int] = mapped_column(Integer)  # TWD off, or percent off
    min_spend: Mapped[int] = mapped_column(Integer, default=0)
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime())
    total_limit: Mapped[int | None] = mapped_column(Integer, nullable=True)
    per_customer_limit: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Claims so far: raised by one conditional UPDATE, so the total limit holds under concurrency.
    claimed_count: Mapped[int] = mapped_column(Integer, default=0)
    store_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    # unique: every claim gets its own code; generic: one shared code (``code``) many customers use,
    # counted per redemption (``redeemed_count``, raised by one conditional UPDATE like claims).
    code_type: Mapped[str] = mapped_column(String(10), default="unique", server_default="unique")
    code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    redeemed_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Set when the merchant ends the campaign early (ends_at then becomes that moment).
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class Coupon(TenantScoped, Base):
    __tablename__ = "coupon"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaign.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    consumer_id: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(20), default="claimed")  # claimed | redeemed
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    redeemed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
