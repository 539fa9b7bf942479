"""Campaign and coupon look-ups."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from smartdist_virtual_store.campaigns.models import Campaign, Coupon


def campaigns(store_id: str | None = None) -> Select[Any]:
    stmt = select(Campaign)
    if store_id is not None:
        stmt = stmt.where(Campaign.store_id == store_id)
    return stmt


def live_campaigns(session: Session, store_id: str, now: datetime) -> list[Campaign]:
    stmt = campaigns(store_id).where(Campaign.starts_at <= now, Campaign.ends_at > now).order_by(Campaign.ends_at)
    return list(session.scalars(stmt))


def coupon_by_code(session: Session, code: str) -> Coupon | None:
    return session.scalar(select(Coupon).where(Coupon.code == code))


def campaign_by_code(session: Session, code: str) -> Campaign | None:
    return session.scalar(select(Campaign).where(Campaign.code == code, Campaign.code_type == "generic"))


def claims_by(session: Session, campaign_id: str, consumer_id: str) -> int:
    stmt = (
        select(func.count())
        .select_from(Coupon)
        .where(Coupon.campaign_id == campaign_id, Coupon.consumer_id == consumer_id)
    )
    return int(session.scalar(stmt) or 0)


def wallet(session: Session, consumer_id: str) -> list[tuple[Coupon, Campaign]]:
    stmt = (
        select(Coupon, Campaign)
        .join(Campaign, Campaign.id == Coupon.campaign_id)
        .where(Coupon.consumer_id == consumer_id)
        .order_by(Coupon.claimed_at.desc())
    )
    return [(c, k) for c, k in session.execute(stmt).all()]
