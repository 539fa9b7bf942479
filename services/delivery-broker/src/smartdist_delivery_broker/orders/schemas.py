"""Request and response models of delivery orders, their tracking, webhooks and sandbox couriers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from smartdist_delivery_broker.adapters.sandbox import CourierScenario
from smartdist_delivery_broker.quotes.domain import Selection
from smartdist_delivery_broker.quotes.schemas import MAX_COD_TWD, Point, ProviderName, ProviderQuoteOut, say


def _iso(value: datetime) -> str:
    return value.isoformat()


Timestamp = Annotated[datetime, PlainSerializer(_iso, return_type=str)]
MAX_GOODS_VALUE_TWD = 10_000_000


class Contact(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    phone: str = Field(min_length=6, max_length=20, pattern=r"^\+?[0-9 \-]+$", description="E.164 preferred.")
    notes: str = Field("", max_length=280)


class BookingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quote_set_id: str = Field(min_length=1, max_length=64, description="From POST /quotes.")
    provider: str | None = Field(
        None, min_length=1, max_length=40, description="Which quote to book; default: the recommended one."
    )
    pickup_contact: Contact
    dropoff_contact: Contact
    reference: str | None = Field(None, max_length=100, description="Your order number (e-shop / POS).")
    goods_value: int = Field(0, strict=True, ge=0, le=MAX_GOODS_VALUE_TWD, description="Value of the goods, TWD.")
    description: str = Field("goods", max_length=200)
    use_subsidy: bool = Field(True, description="Pay the fee from the programme subsidy.")


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field("MISTAKE_ERROR", max_length=60)


class InstantBookingIn(BaseModel):
    """Quote and book in one call: what an e-shop or POS sends when an order needs a courier."""

    model_config = ConfigDict(extra="forbid")

    pickup: Point
    dropoff: Point
    pickup_contact: Contact
    dropoff_contact: Contact
    cod_amount: int = Field(0, strict=True, ge=0, le=MAX_COD_TWD, description="Cash to collect, TWD.")
    goods_value: int = Field(0, strict=True, ge=0, le=MAX_GOODS_VALUE_TWD, description="Value of the goods, TWD.")
    reference: str | None = Field(None, max_length=100, description="Your order number (e-shop / POS).")
    description: str = Field("goods", max_length=200)
    scheduled_at: AwareDatetime | None = Field(None, description="Pickup time (RFC 3339 with offset); none = now.")
    selection: Selection = Field(Selection.CHEAPEST, description="How the platform booked is chosen.")
    preferred_providers: list[ProviderName] = Field(default_factory=list, max_length=10)
    use_subsidy: bool = Field(True, description="Pay the fee from the programme subsidy.")


class CourierOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    lat: float = Field(description="WGS84 degrees.")
    lng: float = Field(description="WGS84 degrees.")
    at: Timestamp | None = Field(None, description="When the platform saw the courier there.")


class CancelRequestOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    requested_at: Timestamp
    reason: str | None
    answered_at: Timestamp | None
    refused: bool
    refusal: str | None = Field(description="Why dispatch refused (a driver reached the stop, ...).")


class HistoryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    status: str = Field(description="The normalised status reached.")
    at: Timestamp = Field(validation_alias="occurred_at", description="When the platform says it happened.")
    raw_status: str = Field(description="The platform's own status name.")
    late: bool = Field(description="Arrived after a later milestone (history only).")


class StatusEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    raw_status: str
    status: str | None
    outcome: str = Field(description="applied | backfilled | unchanged | informational | stale | conflict | duplicate")
    occurred_at: Timestamp
    received_at: Timestamp
    event_key: str
    detail: str


class DispatchRefusalOut(BaseModel):
    """Own fleet: dispatch refused the booking (`order.rejected`); it can be booked on a platform."""

    model_config = ConfigDict(from_attributes=True)

    code: str = Field(description="Stable code: refusal.<dispatch's reason code>, e.g. refusal.shift_over.")
    reason: str = Field(description="Dispatch's own words (English).")
    text: str = Field("", description="The refusal in the request's language.")

    @model_validator(mode="after")
    def _in_language(self, info: ValidationInfo) -> DispatchRefusalOut:
        self.text = say(info.context, self.code, {"reason": self.reason}, self.reason)
        return self


class DeliveryOut(BaseModel):
    """A delivery as the merchant sees it (read from the service's `DeliveryView`)."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    no: str = Field(description="Delivery number, DRyyyymmdd-XXXXXXXX.")
    reference: str | None = Field(description="The merchant's order number.")
    provider: str
    platform_ref: str | None = Field(description="The platform's id of the delivery.")
    status: str = Field(description="pending | assigned | picked_up | delivered | cancelled | failed | returned")
    raw_status: str | None = Field(description="The platform's latest status name.")
    fee: int = Field(description="Programme fee, TWD.")
    fee_breakdown: dict[str, int]
    platform_fee: int | None = Field(description="What the platform itself charges, TWD, when it says.")
    cod_amount: int
    goods_value: int
    distance_m: int
    subsidised: bool = Field(description="The fee was paid from the programme subsidy.")
    tracking_url: str | None = Field(description="The platform's own tracking link.")
    eta_at: Timestamp | None
    scheduled_at: Timestamp | None
    courier: CourierOut | None
    pickup: dict[str, Any]
    dropoff: dict[str, Any]
    cancel_request: CancelRequestOut | None = Field(description="Own fleet: the cancellation asked of dispatch.")
    dispatch_refusal: DispatchRefusalOut | None = Field(
        None, description="Own fleet: dispatch refused the booking (POST /deliveries/{id}/rebook books a platform)."
    )
    rebooked_as_id: str | None = Field(None, description="The platform delivery this one was booked again as.")
    created_at: Timestamp
    updated_at: Timestamp
    history: list[HistoryOut]


class DeliveryDetailOut(DeliveryOut):
    """One delivery with every platform status report received, raw."""

    events: list[StatusEventOut]


class InstantDeliveryOut(DeliveryOut):
    """The delivery booked, with every platform's quote it was chosen from."""

    quotes: list[ProviderQuoteOut]


class DeliveryPage(BaseModel):
    items: list[DeliveryOut]
    next_cursor: str | None = None


class PointOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    lat: float | None
    lng: float | None


class TrackingHistoryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    status: str
    at: Timestamp = Field(validation_alias="occurred_at")


class TrackingOut(BaseModel):
    """Public tracking: status and milestones, coordinates only (no names, phones, fees or
    platform references)."""

    model_config = ConfigDict(from_attributes=True)

    no: str
    status: str
    provider: str
    eta: Timestamp | None
    history: list[TrackingHistoryOut]
    updated_at: Timestamp
    pickup: PointOut
    dropoff: PointOut
    courier: CourierOut | None = Field(description="The courier's latest position while under way.")


class WebhookReceiptOut(BaseModel):
    received: int = Field(description="Status updates in the webhook.")
    outcomes: dict[str, int] = Field(description="How many were applied, duplicates, stale, ...")


class CourierAdvanceOut(BaseModel):
    outcomes: dict[str, int]


# --- sandbox couriers -----------------------------------------------------------------------

NOT_NULL = (
    "quote_latency_s", "hang_quotes", "quote_error", "rate_limited", "scenario",
    "step_s", "webhook_delay_s", "duplicate_probability", "reorder",
)  # fmt: skip


class SandboxBehaviourIn(BaseModel):
    """What a sandbox platform should do from now on, for this tenant; fields left out keep
    their value. null is no value: leave the field out instead."""

    model_config = ConfigDict(extra="forbid")

    quote_latency_s: float | SkipJsonSchema[None] = Field(None, ge=0, le=60, allow_inf_nan=False)
    hang_quotes: bool | SkipJsonSchema[None] = Field(
        None, description="Never answer quotes (the deadline cuts it off)."
    )
    quote_error: str | SkipJsonSchema[None] = Field(
        None, max_length=200, description="Answer quotes with this 503; '' clears it."
    )
    rate_limited: bool | SkipJsonSchema[None] = None
    scenario: CourierScenario | SkipJsonSchema[None] = None
    step_s: float | SkipJsonSchema[None] = Field(None, gt=0, le=3600, allow_inf_nan=False)
    webhook_delay_s: float | SkipJsonSchema[None] = Field(None, ge=0, le=3600, allow_inf_nan=False)
    duplicate_probability: float | SkipJsonSchema[None] = Field(None, ge=0, lt=1, allow_inf_nan=False)
    reorder: bool | SkipJsonSchema[None] = None

    @field_validator(*NOT_NULL, mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        # A null once saved made every read of the sandbox (and the courier pump) fail.
        if value is None:
            raise ValueError("may not be null; leave the field out to keep its value")
        return value


class SandboxBehaviourOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    provider: str
    quote_latency_s: float
    hang_quotes: bool
    quote_error: str | None
    rate_limited: bool
    scenario: CourierScenario
    step_s: float
    webhook_delay_s: float
    duplicate_probability: float
    reorder: bool


class SandboxPlatformsOut(BaseModel):
    items: list[SandboxBehaviourOut]
