"""The merchant's own-fleet terms over HTTP."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

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


def _iso(value: datetime) -> str:
    return value.isoformat()


class OwnFleetOut(OwnFleetIn):
    """The terms as stored (read from the row); before they are set up, the defaults, disabled."""

    model_config = ConfigDict(from_attributes=True)

    enabled: bool = Field(False, description="Offered in quotes.")
    fee_twd: int = Field(0, description="What one delivery costs the merchant, TWD.")
    provider: str = Field("own_fleet", description="The provider name its quotes carry.")
    updated_at: Annotated[datetime, PlainSerializer(_iso, return_type=str)] | None = Field(
        None, description="When the terms last changed (RFC 3339); null: never set up."
    )
