"""Edge schemas of reservations: strict input, plain output."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from smartdist_surplus_market.listings.schemas import Location


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Contact(Strict):
    name: str = Field(min_length=1, max_length=100)
    phone: str = Field(min_length=3, max_length=40)


class DeliveryIn(Strict):
    dropoff: Location
    contact: Contact | None = None


class ReservationIn(Strict):
    listing_id: str = Field(min_length=1, max_length=64)
    quantity: int = Field(ge=1, le=10_000)
    payment_token: str = Field("tok_visa", max_length=200, description="Card token from the payment provider's form.")
    delivery: DeliveryIn | None = Field(None, description="Supplier listings: home delivery through the broker.")


class PickupIn(Strict):
    pickup_code: str = Field(min_length=1, max_length=200, description="The code, or the text of its QR.")


class CancelIn(Strict):
    reason: str = Field("", max_length=400)


class RatingIn(Strict):
    stars: int = Field(ge=1, le=5)
    comment: str = Field("", max_length=1000)


class DeliveryOut(BaseModel):
    provider: str | None = None
    status: str
    delivery_id: str | None = None
    fee: int | None = None
    dropoff: dict[str, Any] | None = None
    contact: dict[str, Any] | None = None
    error: str | None = None
    attempts: int = Field(0, description="Courier bookings tried so far (booked after the reservation commits).")
    next_attempt_at: datetime | None = Field(
        None, description="When the booking is tried again; none once booked or given up (the seller may retry)."
    )


class ListingBrief(BaseModel):
    id: str
    title: str
    unit: str
    seller_id: str
    address: str


class ReservationOut(BaseModel):
    id: str
    status: str = Field(description="reserved, picked_up, delivered, cancelled or no_show")
    amount: int = Field(description="Price at the moment of reserving × quantity (TWD).")
    pickup_code: str | None = Field(description="Shown to the consumer only; the seller asks for it.")
    qr_text: str | None = None
    listing_id: str
    quantity: int
    unit_price: int
    service_fee: int | None = Field(None, description="Platform fee (seller's view).")
    payout: int | None = Field(None, description="What the seller receives after the fee (seller's view).")
    payment_status: str
    pickup_window: tuple[datetime, datetime] | None
    delivery: DeliveryOut | None
    listing: ListingBrief | None
    consumer_name: str | None = None
    rating: int | None
    created_at: datetime
    closed_at: datetime | None


class ReservationPage(BaseModel):
    items: list[ReservationOut]
    next_cursor: str | None = None
