"""Outbound order requests and answers."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from smartdist_wms.deliveries.schemas import DeliveryIn, DeliveryOut
from smartdist_wms.products.schemas import Input

MAX_QTY = 1_000_000
OutboundStatus = Literal["created", "allocated", "picking", "picked", "packed", "shipped", "cancelled"]


class OutboundLineIn(Input):
    sku: str = Field(min_length=1, max_length=60, description="Product.")
    qty: int = Field(strict=True, ge=1, le=MAX_QTY, description="Units ordered.")


class OutboundOrderIn(Input):
    ref: str = Field(min_length=1, max_length=60, description="The shop's order number.")
    customer: str | None = Field(default=None, min_length=1, max_length=200, description="Who receives it.")
    lines: list[OutboundLineIn] = Field(min_length=1, max_length=500, description="What to ship.")
    delivery: DeliveryIn | None = Field(
        default=None, description="Home delivery: a courier is booked through the delivery broker when it ships."
    )


class AllocationOut(BaseModel):
    sku: str
    location: str
    lot: str | None
    expiry: str | None = Field(description="YYYY-MM-DD or null.")
    qty: int
    picked: int = Field(default=0, description="Of qty, units already picked.")


class OutboundLineOut(BaseModel):
    sku: str
    name: str
    qty: int
    allocated: int
    picked: int
    picked_short: int = Field(description="Units found missing at picking.")
    packed: int


class OutboundOrderOut(BaseModel):
    id: int
    no: str = Field(description="Document number in the KPI log.")
    ref: str
    customer: str | None
    status: OutboundStatus
    lines: list[OutboundLineOut]
    allocations: list[AllocationOut]
    carrier: str | None
    tracking_no: str | None
    created_at: datetime
    allocated_at: datetime | None
    picked_at: datetime | None
    packed_at: datetime | None
    shipped_at: datetime | None
    delivery: DeliveryOut | None = Field(default=None, description="The courier, for a home delivery.")


class AllocateOut(BaseModel):
    status: OutboundStatus
    allocations: list[AllocationOut]


class PickIn(Input):
    location: str = Field(min_length=1, max_length=40, description="Location scanned.")
    sku: str = Field(min_length=1, max_length=64, description="Product scanned (SKU or its barcode).")
    qty: int = Field(strict=True, ge=1, le=MAX_QTY, description="Units picked.")
    lot: str | None = Field(default=None, min_length=1, max_length=60, description="Lot scanned.")


class ShortPickIn(Input):
    location: str = Field(min_length=1, max_length=40, description="Where units were missing.")
    sku: str = Field(min_length=1, max_length=64, description="Product.")
    missing: int = Field(strict=True, ge=1, le=MAX_QTY, description="Units allocated there but not found.")
    lot: str | None = Field(default=None, min_length=1, max_length=60, description="Lot.")


class PickOut(BaseModel):
    status: OutboundStatus
    sku: str
    location: str
    qty: int
    line_picked: int = Field(description="Units of this line picked so far.")
    line_qty: int


class PackIn(Input):
    sku: str = Field(min_length=1, max_length=64, description="Product scanned at the packing table.")
    qty: int = Field(default=1, strict=True, ge=1, le=MAX_QTY, description="Units packed.")


class ShipIn(Input):
    """Carrier and tracking number; an order with a home delivery ships with an empty body (the
    broker's courier is booked)."""

    carrier: str | None = Field(default=None, min_length=1, max_length=60, description="Carrier (黑貓, 新竹物流 ...).")
    tracking_no: str | None = Field(
        default=None, min_length=1, max_length=100, description="The carrier's tracking number."
    )


class PickTaskOut(BaseModel):
    sequence: int
    location: str
    zone: str | None
    sku: str
    name: str
    barcode: str | None
    lot: str | None
    expiry: str | None
    qty: int
    picked: int
    remaining: int


class PickListOut(BaseModel):
    order_id: int
    no: str
    ref: str
    status: OutboundStatus
    tasks: list[PickTaskOut] = Field(description="In walking order (location sequence).")
