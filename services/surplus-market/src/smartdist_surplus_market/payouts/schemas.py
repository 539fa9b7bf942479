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


class ImpactReport(BaseModel):
    orders: int = Field(description="Orders picked up or delivered in the period.")
    units: int
    revenue_recovered_twd: int = Field(description="What these goods earned instead of being scrapped (0 before).")
    kg_saved: float = Field(description="Σ quantity × the listing's weight per unit.")
    co2e_kg: float = Field(description="kg_saved × the food-waste factor (kg CO2e per kg avoided).")
    co2e_factor: float
    start: datetime | None
    end: datetime | None
