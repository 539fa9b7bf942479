"""Coupon rules: the discount, the code, when a campaign can be claimed and redeemed."""

from __future__ import annotations

import secrets
from datetime import datetime

from smartdist.problems import Conflict, Unprocessable

# No 0/O, 1/I/L: a clerk may type a code from a phone held up at the counter.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10


def new_code() -> str:
    """A unique, unguessable coupon code (≈ 49 bits), grouped for reading aloud: VS-XXXXX-XXXXX."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"VS-{raw[:5]}-{raw[5:]}"


def new_generic_code() -> str:
    """A shared code that reads well on a poster: 8 characters of the unambiguous alphabet."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def normalize_code(code: str) -> str:
    """What a scanner or a clerk's keyboard sends, as we store it."""
    return code.strip().upper()


def discount_twd(kind: str, value: int, spend: int) -> int:
    """Integer TWD off ``spend``: never more than the spend; percent rounds half up to whole TWD."""
    if spend <= 0:
        return 0
    # percent: round(spend x value / 100), half up, in integers only
    off = (spend * value * 2 + 100) // 200 if kind == "percent" else value
    return max(0, min(off, spend))


class CampaignNotOpen(Conflict):
    title = "Campaign not open"


class CouponLimitReached(Conflict):
    title = "Coupon limit reached"


class AlreadyRedeemed(Conflict):
    title = "Coupon already redeemed"


class CouponExpired(Conflict):
    title = "Coupon expired"


class BelowMinimumSpend(Unprocessable):
    title = "Spend below the campaign's minimum"


class CodeTaken(Conflict):
    title = "Code already in use"


class GenericNotClaimed(Conflict):
    title = "A shared code is not claimed"


class CampaignEnded(Conflict):
    title = "Campaign has ended"


class CustomerNeeded(Unprocessable):
    title = "Who redeems is needed"


def check_open(starts_at: datetime, ends_at: datetime, now: datetime) -> None:
    if now < starts_at:
        raise CampaignNotOpen(
            f"The campaign opens at {starts_at.isoformat()}.",
            reason="not_started",
            code="virtual.campaign.not_started",
            params={"at": starts_at.isoformat()},
        )
    if now >= ends_at:
        raise CampaignNotOpen(
            f"The campaign ended at {ends_at.isoformat()}.",
            reason="ended",
            code="virtual.campaign.ended",
            params={"at": ends_at.isoformat()},
        )
