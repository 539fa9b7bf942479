"""The payout statement of a period."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class PayoutStatement(BaseModel):
    transactions: int = Field(description="Orders whose payment was captured in the period.")
    gross_twd: int
    fees_twd: int = Field(description="The platform's service fee, per transaction.")
    net_twd: int = Field(description="What is paid out to the seller: gross − fees.")
    fee_percent: float
    start: datetime | None
    end: datetime | None
