"""Request models for delivery orders."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from smartdist_delivery_broker.quotes.domain import Selection
from smartdist_delivery_broker.quotes.schemas import Point


class Contact(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    phone: str = Field(min_length=6, max_length=20, pattern=r"^\+?[0-9 \-]+$", description="E.164 preferred.")
    notes: str = Field("", max_length=280)


class BookingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quote_set_id: str = Field(min_length=1, max_length=64, description="From POST /quotes.")
    provider: str | None = Field(None, max_length=40, description="Which quote to book; default: the recommended one.")
    pickup_contact: Contact
    dropoff_contact: Contact
    reference: str | None = Field(None, max_length=100, description="Your order number (e-shop / POS).")
    goods_value: int = Field(0, strict=True, ge=0, le=10_000_000, description="Value of the goods, TWD.")
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
    cod_amount: int = Field(0, strict=True, ge=0, le=1_000_000_000, description="Cash to collect, TWD.")
    goods_value: int = Field(0, strict=True, ge=0, le=10_000_000, description="Value of the goods, TWD.")
    reference: str | None = Field(None, max_length=100, description="Your order number (e-shop / POS).")
    description: str = Field("goods", max_length=200)
    scheduled_at: AwareDatetime | None = None
    selection: Selection = Selection.CHEAPEST
    preferred_providers: list[str] = Field(default_factory=list, max_length=10)
    use_subsidy: bool = True
