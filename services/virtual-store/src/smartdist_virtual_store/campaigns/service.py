"""Campaign use cases: create a campaign, claim a coupon (limits hold under concurrency), the wallet."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smartdist.bus.outbox import publish
from smartdist.db import utcnow
from smartdist.kpi import record
from smartdist.problems import NotFound, Unprocessable
from smartdist_virtual_store.campaigns import code_images, repository
from smartdist_virtual_store.campaigns.domain import (
    CampaignEnded,
    CodeTaken,
    CouponLimitReached,
    GenericNotClaimed,
    check_open,
    new_code,
    new_generic_code,
    normalize_code,
)
from smartdist_virtual_store.campaigns.models import Campaign, Coupon
from smartdist_virtual_store.campaigns.schemas import CampaignIn, CampaignPatch, ClaimOut, WalletCoupon
from smartdist_virtual_store.kpi import COUPON
from smartdist_virtual_store.stores.models import Store

CLAIMED = "smartdist.virtual-store.coupon.claimed"


def create_campaign(session: Session, body: CampaignIn) -> Campaign:
    if body.store_id is not None and session.get(Store, body.store_id) is None:
        raise Unprocessable(
            f"No store {body.store_id}.",
            code="virtual.campaign.store_unknown",
            params={"store": body.store_id},
            errors=[{"loc": ["body", "store_id"], "message": "not a store of yours", "code": "virtual.store_unknown"}],
        )
    values = body.model_dump()
    if body.code_type == "generic":
        values["code"] = normalize_code(body.code) if body.code else _free_generic_code(session)
        if body.code and repository.campaign_by_code(session, values["code"]) is not None:
            raise CodeTaken(
                f"The code {values['code']} is used by another campaign.",
                code="virtual.campaign.code_taken",
                params={"code": values["code"]},
                errors=[{"loc": ["body", "code"], "message": "already used", "code": "virtual.code_used"}],
            )
    campaign = Campaign(**values)
    try:
        with session.begin_nested():
            session.add(campaign)
            session.flush()
    except IntegrityError as exc:  # the same code made at the same moment by another request
        raise CodeTaken(
            f"The code {values['code']} is used by another campaign.",
            code="virtual.campaign.code_taken",
            params={"code": values["code"]},
            errors=[{"loc": ["body", "code"], "message": "already used", "code": "virtual.code_used"}],
        ) from exc
    return campaign


def _free_generic_code(session: Session) -> str:
    while True:
        code = new_generic_code()
        if repository.campaign_by_code(session, code) is None:
            return code


def get_campaign(session: Session, campaign_id: str) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(f"No campaign {campaign_id}.", code="virtual.campaign.not_found", params={"id": campaign_id})
    return campaign


def edit_campaign(session: Session, campaign_id: str, patch: CampaignPatch, *, now: datetime | None = None) -> Campaign:
    """Change a campaign that has not ended: texts, minimum spend, end, limits (never below what is used)."""
    now = now or utcnow()
    campaign = _locked(session, campaign_id)
    if campaign.ended_at is not None or now >= campaign.ends_at:
        raise CampaignEnded(
            f"The campaign ended at {campaign.ends_at.isoformat()}; an ended campaign stays as it was.",
            code="virtual.campaign.ended",
            params={"at": campaign.ends_at.isoformat()},
        )
    changes = patch.model_dump(exclude_unset=True)
    used = campaign.redeemed_count if campaign.code_type == "generic" else campaign.claimed_count
    problems: list[dict[str, Any]] = []
    ends_at = changes.get("ends_at")
    if "ends_at" in changes and (ends_at is None or ends_at <= campaign.starts_at or ends_at <= now):
        problems.append({"loc": ["body", "ends_at"], "message": "after starts_at and in the future",
                         "code": "virtual.campaign.ends_at"})  # fmt: skip
    if changes.get("total_limit") is not None and changes["total_limit"] < used:
        problems.append({"loc": ["body", "total_limit"], "message": f"not below the {used} already used",
                         "code": "virtual.campaign.limit_below_used", "params": {"used": used}})  # fmt: skip
    for name in ("name", "min_spend"):
        if name in changes and changes[name] is None:
            problems.append({"loc": ["body", name], "message": "may not be null", "code": "virtual.not_null"})
    if problems:
        raise Unprocessable("These changes cannot be made.", code="virtual.campaign.bad_edit", errors=problems)
    for name, value in changes.items():
        setattr(campaign, name, value)
    session.flush()
    return campaign


def end_campaign(session: Session, campaign_id: str, *, now: datetime | None = None) -> Campaign:
    """End now: from the commit on, no claim and no redemption of it succeeds (both check ends_at
    in the same conditional UPDATE that takes the campaign's or the coupon's row)."""
    now = now or utcnow()
    campaign = _locked(session, campaign_id)
    if campaign.ended_at is not None or now >= campaign.ends_at:
        raise CampaignEnded(
            f"The campaign ended at {campaign.ends_at.isoformat()}.",
            code="virtual.campaign.ended",
            params={"at": campaign.ends_at.isoformat()},
        )
    campaign.ended_at = now
    campaign.ends_at = max(now, campaign.starts_at)
    session.flush()
    return campaign


def _locked(session: Session, campaign_id: str) -> Campaign:
    campaign = session.scalar(select(Campaign).where(Campaign.id == campaign_id).with_for_update())
    if campaign is None:
        raise NotFound(f"No campaign {campaign_id}.", code="virtual.campaign.not_found", params={"id": campaign_id})
    return campaign


def campaign_tenant(session: Session, campaign_id: str) -> str:
    """Whose campaign this is (a consumer's claim carries no tenant; the campaign names it)."""
    tenant = session.scalar(select(Campaign.tenant_id).where(Campaign.id == campaign_id))
    if tenant is None:
        raise NotFound(f"No campaign {campaign_id}.", code="virtual.campaign.not_found", params={"id": campaign_id})
    return str(tenant)


def claim_coupon(session: Session, campaign_id: str, consumer_id: str, *, now: datetime | None = None) -> ClaimOut:
    """Give the consumer a coupon with its own code; 409 outside the window or past a limit."""
    now = now or utcnow()
    campaign = get_campaign(session, campaign_id)
    check_open(campaign.starts_at, campaign.ends_at, now)
    if campaign.code_type == "generic":
        raise GenericNotClaimed(
            f"This campaign's code is shared: show {campaign.code} at the counter.",
            reason="generic",
            code="virtual.campaign.generic",
            params={"code": campaign.code},
            shared_code=campaign.code,
        )
    # One conditional UPDATE takes the campaign row's lock and the count together: of two
    # consumers racing for the last coupon, one raises the count and the other finds it full;
    # a campaign ended meanwhile (its ends_at moved to the past) is found closed here too.
    taken = session.execute(
        update(Campaign)
        .where(
            Campaign.id == campaign_id,
            Campaign.ends_at > now,
            or_(Campaign.total_limit.is_(None), Campaign.claimed_count < Campaign.total_limit),
        )
        .values(claimed_count=Campaign.claimed_count + 1)
        .execution_options(synchronize_session=False)
    )
    if getattr(taken, "rowcount", 0) != 1:
        session.refresh(campaign, ["ends_at"])
        check_open(campaign.starts_at, campaign.ends_at, now)
        raise CouponLimitReached(
            "All coupons of this campaign have been claimed.", reason="total_limit", code="virtual.coupon.total_limit"
        )
    # The row lock above is held to commit, so this count already sees a racing claim of the same consumer.
    if campaign.per_customer_limit is not None and (
        repository.claims_by(session, campaign_id, consumer_id) >= campaign.per_customer_limit
    ):
        raise CouponLimitReached(
            f"You already hold {campaign.per_customer_limit} coupon(s) of this campaign.",
            reason="per_customer_limit",
            code="virtual.coupon.per_customer_limit",
            params={"limit": campaign.per_customer_limit},
        )
    coupon = Coupon(campaign_id=campaign_id, code=new_code(), consumer_id=consumer_id, claimed_at=now)
    session.add(coupon)
    session.flush()
    publish(
        session,
        type=CLAIMED,
        subject=coupon.id,
        data={"coupon_id": coupon.id, "campaign_id": campaign_id, "consumer_id": consumer_id},
        tenant_id=campaign.tenant_id,
    )
    record(
        session,
        service="virtual-store",
        doc_type=COUPON,
        doc_no=coupon.code,
        status="claimed",
        sender=campaign.store_id or campaign.tenant_id,
        receiver=consumer_id,
        sent_at=now,
        received_at=now,
    )
    return claim_out(coupon, campaign)


def claim_out(coupon: Coupon, campaign: Campaign) -> ClaimOut:
    return ClaimOut(
        coupon_id=coupon.id,
        code=coupon.code,
        campaign_id=campaign.id,
        campaign_name=campaign.name,
        kind=campaign.kind,
        value=campaign.value,
        min_spend=campaign.min_spend,
        ends_at=campaign.ends_at,
    )


def wallet(session: Session, consumer_id: str) -> list[WalletCoupon]:
    """Every coupon the consumer holds, at every shop (a system session: consumers span tenants)."""
    return [
        WalletCoupon(
            **claim_out(c, k).model_dump(),
            status=c.status,
            claimed_at=c.claimed_at,
            redeemed_at=c.redeemed_at,
        )
        for c, k in repository.wallet(session, consumer_id)
    ]


def campaign_exists(session: Session, campaign_id: str) -> bool:
    return session.get(Campaign, campaign_id) is not None


def live_campaigns(session: Session, tenant_id: str, store_id: str) -> list[Campaign]:
    """Campaigns open now that are shown in the store (a system session: filtered by tenant here)."""
    return [c for c in repository.live_campaigns(session, store_id, utcnow()) if c.tenant_id == tenant_id]


def coupon_counts(session: Session, store_id: str, start: datetime | None, end: datetime | None) -> dict[str, Any]:
    """Coupons of the store's campaigns: offered (sum of limits, None if any is unlimited), claimed."""
    store_campaigns = list(session.scalars(repository.campaigns(store_id)))
    limits = [c.total_limit for c in store_campaigns]
    claimed_stmt = (
        select(func.count()).select_from(Coupon).where(Coupon.campaign_id.in_([c.id for c in store_campaigns] or [""]))
    )
    if start is not None:
        claimed_stmt = claimed_stmt.where(Coupon.claimed_at >= start)
    if end is not None:
        claimed_stmt = claimed_stmt.where(Coupon.claimed_at < end)
    return {
        "campaign_ids": [c.id for c in store_campaigns],
        "offered": None if any(limit is None for limit in limits) else sum(int(limit or 0) for limit in limits),
        "claimed": int(session.scalar(claimed_stmt) or 0),
    }


def wallet_code(session: Session, consumer_id: str, coupon_id: str) -> str:
    """The code of one of the consumer's own coupons (another's is a 404, as if it did not exist)."""
    coupon = session.get(Coupon, coupon_id)
    if coupon is None or coupon.consumer_id != consumer_id:
        raise NotFound(f"No coupon {coupon_id} in your wallet.", code="virtual.coupon.not_found")
    return coupon.code


def code_image(code: str, kind: str) -> bytes:
    return code_images.qr_svg(code) if kind == "qr" else code_images.barcode_svg(code)
