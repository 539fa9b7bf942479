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
    ValidationInfo,
    model_serializer,
    model_validator,
)

from smartdist_delivery_broker.quotes.domain import Selection

TAIPEI = ZoneInfo("Asia/Taipei")
# The most cash a courier is asked to carry (the platforms' own caps are 2,000-5,000 TWD).
MAX_COD_TWD = 1_000_000
ProviderName = Annotated[str, Field(min_length=1, max_length=40)]
Latitude = Annotated[float, Field(strict=True, ge=-90, le=90, allow_inf_nan=False, description="WGS84 degrees.")]
Longitude = Annotated[float, Field(strict=True, ge=-180, le=180, allow_inf_nan=False, description="WGS84 degrees.")]


class Point(BaseModel):
    """A pickup or dropoff: its coordinates, or its address alone (located by the configured
    geocoder, SMARTDIST_DELIVERY_BROKER_GEOCODER), or both (the coordinates win)."""

    model_config = ConfigDict(extra="forbid")

    lat: Latitude | None = Field(None, description="With lng; optional when `address` is given (it is then geocoded).")
    lng: Longitude | None = Field(None, description="With lat; optional when `address` is given (it is then geocoded).")
    address: str | None = Field(
        None,
        max_length=500,
        description="Street address shown to the courier; without lat/lng it is geocoded to find the point.",
    )

    @model_validator(mode="after")
    def _somewhere(self) -> Point:
        if (self.lat is None) != (self.lng is None):
            raise ValueError("error.broker.point.both_coordinates")
        if self.lat is None and not (self.address or "").strip():
            raise ValueError("error.broker.point.no_place")
        return self


class PlaceOut(BaseModel):
    """Where a pickup or dropoff was quoted: the point used, and what the geocoder found."""

    lat: float = Field(description="WGS84 degrees.")
    lng: float = Field(description="WGS84 degrees.")
    address: str | None = Field(None, description="The address as given (what the courier reads).")
    found_address: str | None = Field(
        None, description="The geocoder's own text of the place it found (when the address was looked up)."
    )
    geocoder: str | None = Field(None, description="The provider that located it (sandbox, nominatim, google).")


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
OMITTED_WHEN_NONE = ("eta_minutes", "reason", "reason_code", "expires_at")


def say(context: Any, code: str, params: dict[str, Any], fallback: str) -> str:
    """`broker.<code>` in the language of the translator in the validation context (the HTTP
    layer passes `context={"t": translator_for(request)}`), else the English `fallback`."""
    t = context.get("t") if isinstance(context, dict) else None
    if t is None:
        return fallback
    return str(t.get(f"broker.{code}", fallback, **params) or fallback)


def joined(context: Any, texts: list[str]) -> str:
    t = context.get("t") if isinstance(context, dict) else None
    return ("；" if t is not None and getattr(t, "lang", "") == "zh-TW" else "; ").join(texts)


class ReasonOut(BaseModel):
    """One reason a quote is unavailable: a stable code (`reason.<code>` in the catalogs), its
    values, and the text in the request's language."""

    model_config = ConfigDict(from_attributes=True)

    code: str = Field(
        description="Stable code, the same in every language, e.g. distance_limit, own_fleet.dispatch.shift_over."
    )
    params: dict[str, Any] = Field(default_factory=dict, description="The values the text is made of.")
    text: str = Field("", description="The reason in the request's language (Accept-Language, ?lang=; zh-TW default).")

    @model_validator(mode="after")
    def _in_language(self, info: ValidationInfo) -> ReasonOut:
        self.text = say(info.context, f"reason.{self.code}", self.params, self.text)
        return self


class ProviderQuoteOut(BaseModel):
    """One platform's quote; read straight from the domain's `ProviderQuote`."""

    model_config = ConfigDict(from_attributes=True)

    provider: str = Field(description="pandago | uber_direct | lalamove | own_fleet")
    available: bool = Field(description="Whether the platform can take this delivery now.")
    fee: int = Field(description="Programme fee in TWD: schedule per started km + COD fee.")
    fee_breakdown: dict[str, int] = Field(description="base + distance + cod = fee (TWD).")
    eta_minutes: int | None = Field(None, description="Minutes to delivery, when the platform says (else left out).")
    reason: str | None = Field(
        None, description="Why the platform is unavailable, in the request's language (left out when it is available)."
    )
    reason_code: str | None = Field(None, description="The first reason's stable code (left out when available).")
    reasons: list[ReasonOut] = Field(default_factory=list, description="Every reason, each with its code.")
    quote_id: str = Field(description="Quote id to book with.")
    expires_at: TaipeiTime | None = Field(None, description="When this quote stops being bookable (RFC 3339).")

    @model_validator(mode="after")
    def _reason_in_language(self, info: ValidationInfo) -> ProviderQuoteOut:
        if self.reasons:
            self.reason_code = self.reasons[0].code
            self.reason = joined(info.context, [r.text for r in self.reasons])
        return self

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
    pickup: PlaceOut | None = Field(None, description="The pickup quoted (with the geocoder's find, when looked up).")
    dropoff: PlaceOut | None = Field(None, description="The dropoff quoted (with the geocoder's find, when looked up).")
