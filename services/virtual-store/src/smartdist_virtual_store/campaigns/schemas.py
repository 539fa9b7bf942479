"""Campaign and coupon requests and answers."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

MAX_TWD = 10_000_000
GENERIC_CODE = r"^[A-Za-z0-9][A-Za-z0-9-]{3,31}$"


class CampaignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, description="Shown on the coupon card and in the wallet.")
    description: str = Field("", max_length=1000)
    kind: Literal["amount", "percent"] = Field(description="amount: TWD off; percent: percent of the spend off")
    value: int = Field(ge=1, le=MAX_TWD, description="TWD off (amount) or 1-100 (percent).")
    min_spend: int = Field(0, ge=0, le=MAX_TWD, description="Least spend in TWD the coupon applies to.")
    starts_at: AwareDatetime = Field(description="From when coupons can be claimed and redeemed (RFC 3339).")
    ends_at: AwareDatetime = Field(description="Until when (exclusive).")
    total_limit: int | None = Field(None, ge=1, le=10_000_000, description="Most coupons claimed in all.")
    per_customer_limit: int | None = Field(None, ge=1, le=1000, description="Most coupons one consumer may claim.")
    store_id: str | None = Field(None, pattern=r"^[0-9a-f]{32}$", description="The virtual store it is shown in.")
    code_type: Literal["unique", "generic"] = Field(
        "unique",
        description="unique: each claim gets its own code; generic: one shared code for everybody (posters, "
        "social posts), redeemed by many customers within total_limit (redemptions) and per_customer_limit.",
    )
    code: str | None = Field(
        None,
        pattern=GENERIC_CODE,
        description="Generic campaigns: the shared code (4-32 letters, digits, '-'); generated when left out.",
    )

    @model_validator(mode="after")
    def _sane(self) -> CampaignIn:
        if self.kind == "percent" and self.value > 100:
            raise ValueError("error.virtual.campaign.percent_range")
        if self.ends_at <= self.starts_at:
            raise ValueError("error.virtual.campaign.ends_before_start")
        if self.code is not None and self.code_type != "generic":
            raise ValueError("error.virtual.campaign.code_generic_only")
        if self.code is not None and self.code.upper().startswith("VS-"):
            raise ValueError("error.virtual.campaign.code_vs_prefix")
        return self


class CampaignPatch(BaseModel):
    """What a running campaign may change; anything left out stays."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=1000)
    min_spend: int | None = Field(None, ge=0, le=MAX_TWD)
    ends_at: AwareDatetime | None = Field(None, description="A new end (after starts_at); use /end to stop now.")
    total_limit: int | None = Field(None, ge=1, le=10_000_000, description="Not below what is claimed/redeemed.")
    per_customer_limit: int | None = Field(None, ge=1, le=1000)


class CampaignOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    description: str
    kind: Literal["amount", "percent"]
    value: int
    min_spend: int
    starts_at: datetime
    ends_at: datetime
    total_limit: int | None
    per_customer_limit: int | None
    claimed_count: int = Field(description="Coupons claimed so far.")
    store_id: str | None
    code_type: Literal["unique", "generic"]
    code: str | None = Field(description="The shared code of a generic campaign.")
    redeemed_count: int = Field(description="Standing redemptions of a generic code.")
    ended_at: datetime | None = Field(description="When the merchant ended it early.")
    created_at: datetime


class ClaimOut(BaseModel):
    coupon_id: str
    code: str = Field(description="The code the wallet shows as QR and barcode, scanned at the counter.")
    campaign_id: str
    campaign_name: str
    kind: Literal["amount", "percent"]
    value: int
    min_spend: int
    ends_at: datetime


class WalletCoupon(ClaimOut):
    status: Literal["claimed", "redeemed"]
    claimed_at: datetime
    redeemed_at: datetime | None = None
