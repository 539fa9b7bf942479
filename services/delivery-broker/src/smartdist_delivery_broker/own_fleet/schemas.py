"""The merchant's own-fleet terms over HTTP."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class OwnFleetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(description="Offer the own fleet in quotes.")
    fee_twd: int = Field(strict=True, ge=0, le=100_000, description="What one delivery costs the merchant, TWD.")
    max_distance_m: int | None = Field(
        None, strict=True, ge=0, le=1_000_000, description="Longest trip, metres (inclusive); null = no limit."
    )
    cod_allowed: bool = Field(True, description="Whether the merchant's drivers collect cash on delivery.")
    service_start: str = Field("09:00", pattern=HHMM, description="First pickup time, Asia/Taipei HH:MM.")
    service_end: str = Field(
        "21:00", pattern=HHMM, description="End of service, HH:MM (before the start: past midnight; equal: all day)."
    )


class OwnFleetOut(OwnFleetIn):
    provider: str = "own_fleet"
    updated_at: str | None = None
