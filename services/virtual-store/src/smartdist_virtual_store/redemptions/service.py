"""Redeem a coupon at the counter exactly once (a conditional UPDATE decides), and reverse it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from smartdist.bus.outbox import publish
from smartdist.db import utcnow
from smartdist.kpi import record
from smartdist.problems import Conflict, NotFound
from smartdist_virtual_store.campaigns import repository as campaigns
from smartdist_virtual_store.campaigns.domain import (
    AlreadyRedeemed,
    BelowMinimumSpend,
    CampaignNotOpen,
    CouponExpired,
    CouponLimitReached,
    CustomerNeeded,
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
        customer_ref=r.customer_ref,
    )


def redeem_coupon(
    session: Session, code: str, spend: int, *, clerk: str, customer_ref: str | None = None
) -> Redemption:
    """Take the coupon off the customer: 409 if already redeemed or expired, 422 below the minimum spend.

    A generic campaign's shared code is redeemed by many customers: each redemption raises the
    campaign's count in one conditional UPDATE (total limit), and under that row lock the
    customer's standing redemptions are counted (per-customer limit, ``customer_ref``)."""
    now = utcnow()
    wanted = normalize_code(code)
    coupon = campaigns.coupon_by_code(session, wanted)
    if coupon is None:
        generic = campaigns.campaign_by_code(session, wanted)
        if generic is not None:
            return _redeem_generic(session, generic, spend, clerk=clerk, customer_ref=customer_ref, now=now)
        raise NotFound(
            "No coupon with this code.",
            code="virtual.coupon.unknown_code",
            errors=[{"loc": ["body", "code"], "message": "unknown code", "code": "virtual.unknown_code"}],
        )
    campaign = session.get(Campaign, coupon.campaign_id)
    assert campaign is not None  # the foreign key guarantees it
    if coupon.status == "redeemed":
        raise AlreadyRedeemed(
            f"Coupon {coupon.code} was redeemed at {coupon.redeemed_at}.",
            reason="redeemed",
            code="virtual.coupon.redeemed",
            params={"code": coupon.code},
        )
    if now >= campaign.ends_at:
        raise _expired(coupon.code, campaign)
    _check_spend(campaign, spend)
    # Two scans at the same moment: only one UPDATE finds the coupon still claimed; a campaign
    # ended meanwhile is seen by the same statement (its ends_at moved to the past).
    taken = session.execute(
        update(Coupon)
        .where(
            Coupon.id == coupon.id,
            Coupon.status == "claimed",
            Coupon.campaign_id.in_(select(Campaign.id).where(Campaign.id == campaign.id, Campaign.ends_at > now)),
        )
        .values(status="redeemed", redeemed_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(taken, "rowcount", 0) != 1:
        session.refresh(campaign, ["ends_at"])
        if now >= campaign.ends_at:
            raise _expired(coupon.code, campaign)
        raise AlreadyRedeemed(
            f"Coupon {coupon.code} has just been redeemed.",
            reason="redeemed",
            code="virtual.coupon.redeemed",
            params={"code": coupon.code},
        )
    redemption = Redemption(
        coupon_id=coupon.id,
        campaign_id=campaign.id,
        code=coupon.code,
        spend=spend,
        discount=discount_twd(campaign.kind, campaign.value, spend),
        clerk=clerk,
        redeemed_at=now,
    )
    return _record_redemption(session, redemption, campaign, sender=coupon.consumer_id, claimed_at=coupon.claimed_at)


def _expired(code: str, campaign: Campaign) -> CouponExpired:
    return CouponExpired(
        f"Coupon {code} expired at {campaign.ends_at.isoformat()}.",
        reason="expired",
        code="virtual.coupon.expired",
        params={"code": code, "at": campaign.ends_at.isoformat()},
    )


def _check_spend(campaign: Campaign, spend: int) -> None:
    if spend < campaign.min_spend:
        raise BelowMinimumSpend(
            f"This coupon needs a spend of at least {campaign.min_spend} TWD.",
            code="virtual.coupon.min_spend",
            params={"min_spend": campaign.min_spend},
            errors=[
                {
                    "loc": ["body", "spend"],
                    "message": f"at least {campaign.min_spend}",
                    "code": "virtual.min_spend",
                    "params": {"min_spend": campaign.min_spend},
                }
            ],
        )


def _redeem_generic(
    session: Session, campaign: Campaign, spend: int, *, clerk: str, customer_ref: str | None, now: datetime
) -> Redemption:
    if now < campaign.starts_at:
        raise CampaignNotOpen(
            f"The campaign opens at {campaign.starts_at.isoformat()}.",
            reason="not_started",
            code="virtual.campaign.not_started",
            params={"at": campaign.starts_at.isoformat()},
        )
    if now >= campaign.ends_at:
        raise _expired(str(campaign.code), campaign)
    _check_spend(campaign, spend)
    if campaign.per_customer_limit is not None and not customer_ref:
        raise CustomerNeeded(
            "This shared code allows a limited number of uses per customer: give customer_ref "
            "(member number, phone or consumer id).",
            code="virtual.coupon.customer_needed",
            errors=[{"loc": ["body", "customer_ref"], "message": "required for this code", "code": "virtual.required"}],
        )
    taken = session.execute(
        update(Campaign)
        .where(
            Campaign.id == campaign.id,
            Campaign.ends_at > now,
            or_(Campaign.total_limit.is_(None), Campaign.redeemed_count < Campaign.total_limit),
        )
        .values(redeemed_count=Campaign.redeemed_count + 1)
        .execution_options(synchronize_session=False)
    )
    if getattr(taken, "rowcount", 0) != 1:
        session.refresh(campaign, ["ends_at"])
        if now >= campaign.ends_at:
            raise _expired(str(campaign.code), campaign)
        raise CouponLimitReached(
            f"The code {campaign.code} has been used {campaign.total_limit} times, its limit.",
            reason="total_limit",
            code="virtual.coupon.code_used_up",
            params={"code": campaign.code, "limit": campaign.total_limit},
        )
    # The campaign row is locked to commit: a racing redemption of the same customer waits here.
    if campaign.per_customer_limit is not None and (
        _standing_by(session, campaign.id, str(customer_ref)) >= campaign.per_customer_limit
    ):
        raise CouponLimitReached(
            f"This customer has used the code {campaign.per_customer_limit} time(s) already.",
            reason="per_customer_limit",
            code="virtual.coupon.customer_used_up",
            params={"limit": campaign.per_customer_limit},
        )
    redemption = Redemption(
        coupon_id=None,
        campaign_id=campaign.id,
        code=str(campaign.code),
        spend=spend,
        discount=discount_twd(campaign.kind, campaign.value, spend),
        clerk=clerk,
        customer_ref=customer_ref,
        redeemed_at=now,
    )
    return _record_redemption(session, redemption, campaign, sender=customer_ref or "walk-in", claimed_at=now)


def _standing_by(session: Session, campaign_id: str, customer_ref: str) -> int:
    stmt = (
        select(func.count())
        .select_from(Redemption)
        .where(
            Redemption.campaign_id == campaign_id,
            Redemption.customer_ref == customer_ref,
            Redemption.status == "redeemed",
        )
    )
    return int(session.scalar(stmt) or 0)


def _record_redemption(
    session: Session, redemption: Redemption, campaign: Campaign, *, sender: str, claimed_at: datetime
) -> Redemption:
    now = redemption.redeemed_at
    session.add(redemption)
    session.flush()
    publish(
        session,
        type=REDEEMED,
        subject=redemption.coupon_id or f"{campaign.id}:{redemption.id}",
        data={
            "coupon_id": redemption.coupon_id,
            "campaign_id": campaign.id,
            "redemption_id": redemption.id,
            "spend": redemption.spend,
            "discount": redemption.discount,
            "code_type": campaign.code_type,
        },
        tenant_id=campaign.tenant_id,
    )
    record(
        session,
        service="virtual-store",
        doc_type=COUPON,
        doc_no=redemption.code if redemption.coupon_id else f"{redemption.code}#{redemption.id}",
        status="redeemed",
        sender=sender,
        receiver=campaign.store_id or campaign.tenant_id,
        sent_at=claimed_at,
        received_at=now,
        amount_twd=redemption.spend,
        elapsed_s=(now - claimed_at).total_seconds(),
    )
    return redemption


class AlreadyReversed(Conflict):
    title = "Redemption already reversed"


def reverse_redemption(session: Session, redemption_id: int, *, clerk: str) -> Redemption:
    """Undo a redemption: the coupon is the customer's again (once; a second reversal is a 409)."""
    redemption = session.get(Redemption, redemption_id)
    if redemption is None:
        raise NotFound(
            f"No redemption {redemption_id}.", code="virtual.redemption.not_found", params={"id": redemption_id}
        )
    now = utcnow()
    done = session.execute(
        update(Redemption)
        .where(Redemption.id == redemption_id, Redemption.status == "redeemed")
        .values(status="reversed", reversed_at=now, reversed_by=clerk)
        .execution_options(synchronize_session=False)
    )
    if getattr(done, "rowcount", 0) != 1:
        raise AlreadyReversed(
            f"Redemption {redemption_id} is already reversed.",
            code="virtual.redemption.reversed",
            params={"id": redemption_id},
        )
    if redemption.coupon_id is not None:
        session.execute(
            update(Coupon)
            .where(Coupon.id == redemption.coupon_id)
            .values(status="claimed", redeemed_at=None)
            .execution_options(synchronize_session=False)
        )
    else:  # a generic code's use is given back to the campaign's count
        session.execute(
            update(Campaign)
            .where(Campaign.id == redemption.campaign_id)
            .values(redeemed_count=Campaign.redeemed_count - 1)
            .execution_options(synchronize_session=False)
        )
    session.refresh(redemption)
    record(
        session,
        service="virtual-store",
        doc_type=COUPON,
        doc_no=redemption.code if redemption.coupon_id else f"{redemption.code}#{redemption.id}",
        status="reversed",
        sender=clerk,
        receiver=redemption.coupon_id or redemption.campaign_id,
        received_at=now,
        amount_twd=redemption.spend,
    )
    return redemption


def find_redemption(session: Session, redemption_id: int) -> Redemption:
    redemption = session.get(Redemption, redemption_id)
    if redemption is None:
        raise NotFound(
            f"No redemption {redemption_id}.", code="virtual.redemption.not_found", params={"id": redemption_id}
        )
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
