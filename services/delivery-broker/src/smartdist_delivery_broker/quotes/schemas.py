"""Request and response of `POST /api/v1/quotes` (SPEC §4.D, contract)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    SerializerFunctionWrapHandler,
    model_serializer,
)

from smartdist_delivery_broker.quotes.domain import Selection

TAIPEI = ZoneInfo("Asia/Taipei")
# The most cash a courier is asked to carry (the platforms' own caps are 2,000-5,000 TWD).
MAX_COD_TWD = 1_000_000
ProviderName = Annotated[str, Field(min_length=1, max_length=40)]
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
        strict=True, ge=0, le=MAX_COD_TWD, description="Cash to collect on delivery, integer TWD; 0 = prepaid."
    )
    scheduled_at: AwareDatetime | None = Field(None, description="Pickup time (RFC 3339 with offset); none = now.")
    selection: Selection = Field(Selection.CHEAPEST, description="How `recommended` is chosen.")
    preferred_providers: list[ProviderName] = Field(
        default_factory=list,
        max_length=10,
        description="Merchant preference, first choice first (selection=preference).",
    )


def _taipei(value: datetime) -> str:
    return value.astimezone(TAIPEI).isoformat()


# Quote times are shown in the merchant's time zone (RFC 3339 with the +08:00 offset).
TaipeiTime = Annotated[datetime, PlainSerializer(_taipei, return_type=str)]
OMITTED_WHEN_NONE = ("eta_minutes", "reason", "expires_at")


class ProviderQuoteOut(BaseModel):
    """One platform's quote; read straight from the domain's `ProviderQuote`."""

    model_config = ConfigDict(from_attributes=True)

    provider: str = Field(description="pandago | uber_direct | lalamove | own_fleet")
    available: bool = Field(description="Whether the platform can take this delivery now.")
    fee: int = Field(description="Programme fee in TWD: schedule per started km + COD fee.")
    fee_breakdown: dict[str, int] = Field(description="base + distance + cod = fee (TWD).")
    eta_minutes: int | None = Field(None, description="Minutes to delivery, when the platform says (else left out).")
    reason: str | None = Field(None, description="Why the platform is unavailable (left out when it is available).")
    quote_id: str = Field(description="Quote id to book with.")
    expires_at: TaipeiTime | None = Field(None, description="When this quote stops being bookable (RFC 3339).")

    @model_serializer(mode="wrap")
    def _leave_out_unknowns(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # What a platform did not say is left out, not sent as null.
        data: dict[str, Any] = handler(self)
        for name in OMITTED_WHEN_NONE:
            if data.get(name) is None:
                data.pop(name, None)
        return data


class QuoteResponse(BaseModel):
    """A quote set: the one shape a quote leaves the service in, read from the domain's `QuoteSet`."""

    model_config = ConfigDict(from_attributes=True)

    quote_set_id: str = Field(description="Book with this id (POST /deliveries).")
    distance_m: int = Field(description="Great-circle (haversine) metres between pickup and dropoff.")
    cod_amount: int = Field(description="Cash to collect on delivery, TWD.")
    quotes: list[ProviderQuoteOut]
    recommended: str | None = Field(description="Chosen among available platforms; null when none is.")
    created_at: TaipeiTime = Field(description="When the set was quoted (RFC 3339).")
    expires_at: TaipeiTime | None = Field(description="The earliest expiry among available quotes; null when none is.")
