"""Home delivery asked on an outbound order, and what the order shows of its courier."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from smartdist_wms.products.schemas import Input

MAX_COD_TWD = 100_000


class PlaceIn(Input):
    lat: float = Field(ge=-90, le=90, description="WGS84 degrees.")
    lng: float = Field(ge=-180, le=180, description="WGS84 degrees.")
    address: str | None = Field(default=None, min_length=1, max_length=500, description="Shown to the courier.")


class ContactIn(Input):
    name: str = Field(min_length=1, max_length=100)
    phone: str = Field(min_length=6, max_length=20, pattern=r"^\+?[0-9 \-]+$", description="E.164 preferred.")


class DeliveryIn(Input):
    """A courier to the customer, booked through the delivery broker when the order ships."""

    pickup: PlaceIn | None = Field(default=None, description="Default: the warehouse's place.")
    dropoff: PlaceIn
    contact: ContactIn | None = Field(default=None, description="Who receives it (default: the customer).")
    cod_amount: int | None = Field(default=None, strict=True, ge=0, le=MAX_COD_TWD, description="Cash to collect.")
    provider: str | None = Field(
        default=None, min_length=1, max_length=40, description="Platform the merchant chose; default: the cheapest."
    )


class PlaceOut(BaseModel):
    lat: float
    lng: float
    address: str | None = None


class DeliveryOut(BaseModel):
    status: str = Field(
        description="requested (not shipped yet) | booking | pending | assigned | picked_up | delivered | "
        "cancelled | failed | returned"
    )
    provider: str | None = Field(description="Platform the broker booked.")
    fee: int | None = Field(description="Delivery fee, TWD.")
    delivery_id: str | None = Field(description="The broker's delivery id.")
    delivery_no: str | None = Field(description="The broker's delivery number.")
    tracking_url: str | None
    pickup: PlaceOut
    dropoff: PlaceOut
    cod_amount: int
    error: str | None = Field(description="Why the last booking attempt failed.")
    booked_at: datetime | None
    status_at: datetime | None
