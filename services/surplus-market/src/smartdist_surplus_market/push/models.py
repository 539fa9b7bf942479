"""The installation's VAPID key and consumers' Web Push subscriptions.

Neither belongs to a merchant: the key is the installation's (one row, made on first use, never in
source), and a subscription is a consumer's browser, which follows every seller they favour.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from smartdist.db import UtcDateTime, new_id, utcnow
from smartdist_surplus_market.db import Base


class VapidKey(Base):
    __tablename__ = "push_vapid_key"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1: one key per installation
    private_pem: Mapped[str] = mapped_column(Text)
    public_key: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class PushSubscription(Base):
    __tablename__ = "push_subscription"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    consumer_id: Mapped[str] = mapped_column(String(64), index=True)
    endpoint: Mapped[str] = mapped_column(String(1000), unique=True)
    p256dh: Mapped[str] = mapped_column(String(100))
    auth: Mapped[str] = mapped_column(String(40))
    lang: Mapped[str] = mapped_column(String(10), default="zh-TW")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    last_sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    last_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
