"""Redemption requests and answers."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class RedemptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=4, max_length=32, description="The coupon code as scanned or typed.")
    spend: int = Field(ge=1, le=100_000_000, description="The customer's spend in TWD before the discount.")
    customer_ref: str | None = Field(
        None,
        min_length=1,
        max_length=64,
        pattern=r"^[^\x00]+$",
        description="Generic codes: who redeems (member number, phone, consumer id); needed when the campaign "
        "has a per-customer limit.",
    )


class RedemptionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    coupon_id: str | None = Field(description="None for a generic code (no claimed coupon).")
    campaign_id: str
    code: str
    spend: int = Field(description="TWD before the discount.")
    discount: int = Field(description="TWD off; never more than the spend.")
    to_pay: int = Field(description="spend - discount")
    status: Literal["redeemed", "reversed"]
    redeemed_at: datetime
    reversed_at: datetime | None = None
    customer_ref: str | None = None
