"""Redeem a coupon at the counter exactly once (a conditional UPDATE decides), and reverse it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from smartdist.bus.outbox import publish
from smartdist.db import utcnow
from smartdist.kpi import record
from smartdist.problems import Conflict, NotFound
from smartdist_virtual_store.campaigns import repository as campaigns
from smartdist_virtual_store.campaigns.domain import (
    AlreadyRedeemed,
    BelowMinimumSpend,
    CouponExpired,
    discount_twd,
    normalize_code,
)
from smartdist_virtual_store.campaigns.models import Campaign, Coupon
from smartdist_virtual_store.kpi import COUPON
from smartdist_virtual_store.redemptions.models import Redemption
from smartdist_virtual_store.redemptions.schemas import RedemptionOut

REDEEMED = "smartdist.virtual-store.coupon.redeemed"


def redemption_out(r: Redemption) -> RedemptionOut:
    return RedemptionOut(
        id=r.id,
        coupon_id=r.coupon_id,
        campaign_id=r.campaign_id,
        code=r.code,
        spend=r.spend,
        discount=r.discount,
        to_pay=r.spend - r.discount,
        status=r.status,
        redeemed_at=r.redeemed_at,
        reversed_at=r.reversed_at,
    )


def redeem_coupon(session: Session, code: str, spend: int, *, clerk: str) -> Redemption:
    """Take the coupon off the customer: 409 if already redeemed or expired, 422 below the minimum spend."""
    now = utcnow()
    coupon = campaigns.coupon_by_code(session, normalize_code(code))
    if coupon is None:
        raise NotFound("No coupon with this code.", errors=[{"loc": ["body", "code"], "message": "unknown code"}])
    campaign = session.get(Campaign, coupon.campaign_id)
    assert campaign is not None  # the foreign key guarantees it
    if coupon.status == "redeemed":
        raise AlreadyRedeemed(f"Coupon {coupon.code} was redeemed at {coupon.redeemed_at}.", reason="redeemed")
    if now >= campaign.ends_at:
        raise CouponExpired(f"Coupon {coupon.code} expired at {campaign.ends_at.isoformat()}.", reason="expired")
    if spend < campaign.min_spend:
        raise BelowMinimumSpend(
            f"This coupon needs a spend of at least {campaign.min_spend} TWD.",
            errors=[{"loc": ["body", "spend"], "message": f"at least {campaign.min_spend}"}],
        )
    # Two scans at the same moment: only one UPDATE finds the coupon still claimed.
    taken = session.execute(
        update(Coupon)
        .where(Coupon.id == coupon.id, Coupon.status == "claimed")
        .values(status="redeemed", redeemed_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(taken, "rowcount", 0) != 1:
        raise AlreadyRedeemed(f"Coupon {coupon.code} has just been redeemed.", reason="redeemed")
    redemption = Redemption(
        coupon_id=coupon.id,
        campaign_id=campaign.id,
        code=coupon.code,
        spend=spend,
        discount=discount_twd(campaign.kind, campaign.value, spend),
        clerk=clerk,
        redeemed_at=now,
    )
    session.add(redemption)
    session.flush()
    publish(
        session,
        type=REDEEMED,
        subject=coupon.id,
        data={
            "coupon_id": coupon.id,
            "campaign_id": campaign.id,
            "redemption_id": redemption.id,
            "spend": spend,
            "discount": redemption.discount,
        },
        tenant_id=coupon.tenant_id,
    )
    record(
        session,
        service="virtual-store",
        doc_type=COUPON,
        doc_no=coupon.code,
        status="redeemed",
        sender=coupon.consumer_id,
        receiver=campaign.store_id or coupon.tenant_id,
        sent_at=coupon.claimed_at,
        received_at=now,
        amount_twd=spend,
        elapsed_s=(now - coupon.claimed_at).total_seconds(),
    )
    return redemption


class AlreadyReversed(Conflict):
    title = "Redemption already reversed"


def reverse_redemption(session: Session, redemption_id: int, *, clerk: str) -> Redemption:
    """Undo a redemption: the coupon is the customer's again (once; a second reversal is a 409)."""
    redemption = session.get(Redemption, redemption_id)
    if redemption is None:
        raise NotFound(f"No redemption {redemption_id}.")
    now = utcnow()
    done = session.execute(
        update(Redemption)
        .where(Redemption.id == redemption_id, Redemption.status == "redeemed")
        .values(status="reversed", reversed_at=now, reversed_by=clerk)
        .execution_options(synchronize_session=False)
    )
    if getattr(done, "rowcount", 0) != 1:
        raise AlreadyReversed(f"Redemption {redemption_id} is already reversed.")
    session.execute(
        update(Coupon)
        .where(Coupon.id == redemption.coupon_id)
        .values(status="claimed", redeemed_at=None)
        .execution_options(synchronize_session=False)
    )
    session.refresh(redemption)
    record(
        session,
        service="virtual-store",
        doc_type=COUPON,
        doc_no=redemption.code,
        status="reversed",
        sender=clerk,
        receiver=redemption.coupon_id,
        received_at=now,
        amount_twd=redemption.spend,
    )
    return redemption


def find_redemption(session: Session, redemption_id: int) -> Redemption:
    redemption = session.get(Redemption, redemption_id)
    if redemption is None:
        raise NotFound(f"No redemption {redemption_id}.")
    return redemption


def redemption_totals(
    session: Session, campaign_ids: list[str], start: datetime | None, end: datetime | None
) -> tuple[int, int, int]:
    """(redeemed, spend TWD, discount TWD) of standing redemptions (reversed ones excluded)."""
    stmt = select(
        func.count(), func.coalesce(func.sum(Redemption.spend), 0), func.coalesce(func.sum(Redemption.discount), 0)
    ).where(Redemption.campaign_id.in_(campaign_ids or [""]), Redemption.status == "redeemed")
    if start is not None:
        stmt = stmt.where(Redemption.redeemed_at >= start)
    if end is not None:
        stmt = stmt.where(Redemption.redeemed_at < end)
    count, spend, discount = session.execute(stmt).one()
    return int(count), int(spend), int(discount)
