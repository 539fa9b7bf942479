"""Request and response of `POST /api/v1/quotes` (SPEC §4.D, contract)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from smartdist_delivery_broker.quotes.domain import Selection

Latitude = Annotated[float, Field(strict=True, ge=-90, le=90, allow_inf_nan=False, description="WGS84 degrees.")]
Longitude = Annotated[float, Field(strict=True, ge=-180, le=180, allow_inf_nan=False, description="WGS84 degrees.")]


class Point(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lat: Latitude
    lng: Longitude
    address: str | None = Field(None, max_length=500, description="Street address shown to the courier.")


class QuoteRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pickup: Point
    dropoff: Point
    cod_amount: int = Field(
        strict=True, ge=0, le=1_000_000_000, description="Cash to collect on delivery, integer TWD; 0 = prepaid."
    )
    scheduled_at: AwareDatetime | None = Field(None, description="Pickup time (RFC 3339 with offset); none = now.")
    selection: Selection = Field(Selection.CHEAPEST, description="How `recommended` is chosen.")
    preferred_providers: list[str] = Field(
        default_factory=list,
        max_length=10,
        description="Merchant preference, first choice first (selection=preference).",
    )


class ProviderQuoteOut(BaseModel):
    provider: str = Field(description="pandago | uber_direct | lalamove | ...")
    available: bool
    fee: int = Field(description="Programme fee in TWD: schedule per started km + COD fee.")
    fee_breakdown: dict[str, int] = Field(description="base + distance + cod = fee (TWD).")
    eta_minutes: int | None = Field(None, description="Minutes to delivery, when the platform says.")
    reason: str | None = Field(None, description="Why the platform is unavailable.")
    quote_id: str = Field(description="Quote id to book with.")
    expires_at: str | None = Field(None, description="When this quote stops being bookable (RFC 3339).")


class QuoteResponse(BaseModel):
    quote_set_id: str
    distance_m: int = Field(description="Great-circle (haversine) metres between pickup and dropoff.")
    cod_amount: int
    quotes: list[ProviderQuoteOut]
    recommended: str | None = Field(description="Chosen among available platforms; null when none is.")
    created_at: str
    expires_at: str | None
