"""Pick wave requests and answers."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from smartdist_wms.outbound.schemas import MAX_QTY, OutboundStatus
from smartdist_wms.products.schemas import Input

MAX_BIGINT = 2**63 - 1
Strategy = Literal["order", "batch", "zone"]
WaveStatus = Literal["released", "completed"]


class WaveIn(Input):
    orders: list[int] = Field(
        min_length=1, max_length=200, description="Outbound order ids, in tote order (the first goes to tote 1)."
    )
    strategy: Strategy = Field(
        default="batch",
        description="order: one walk per order; batch: one walk for the wave, each pick split into the "
        "orders' totes; zone: one list per zone.",
    )

    @field_validator("orders")
    @classmethod
    def _ids(cls, value: list[int]) -> list[int]:
        if any(not 1 <= v <= MAX_BIGINT for v in value):
            raise ValueError("order ids are positive integers")
        if len(set(value)) != len(value):
            raise ValueError("an order is listed twice")
        return value


class WaveOrderOut(BaseModel):
    order_id: int
    no: str
    ref: str
    tote: int
    status: OutboundStatus


class WaveOut(BaseModel):
    id: int
    no: str
    strategy: Strategy
    status: WaveStatus
    released_by: str
    created_at: datetime
    completed_at: datetime | None
    orders: list[WaveOrderOut]


class PutOut(BaseModel):
    order_id: int
    no: str
    tote: int
    qty: int = Field(description="Units of this task for the order.")
    picked: int
    remaining: int


class WaveTaskOut(BaseModel):
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
    puts: list[PutOut] = Field(description="Put-to-order split: which tote takes how many.")


class WavePickListPart(BaseModel):
    zone: str | None = Field(description="The zone of a zone list.")
    order_id: int | None = Field(description="The order of a per-order list.")
    tasks: list[WaveTaskOut] = Field(description="In walking order (location sequence, then code).")


class WavePickListOut(BaseModel):
    id: int
    no: str
    strategy: Strategy
    status: WaveStatus
    lists: list[WavePickListPart]


class WavePickIn(Input):
    location: str = Field(min_length=1, max_length=40, description="Location scanned.")
    sku: str = Field(min_length=1, max_length=64, description="Product scanned (SKU or its barcode).")
    qty: int = Field(strict=True, ge=1, le=MAX_QTY, description="Units picked.")
    lot: str | None = Field(default=None, min_length=1, max_length=60, description="Lot scanned.")
    order_id: int | None = Field(
        default=None, ge=1, le=MAX_BIGINT, description="Put into this order's tote only (else the lowest totes first)."
    )


class PutDoneOut(BaseModel):
    order_id: int
    no: str
    tote: int
    qty: int


class WavePickOut(BaseModel):
    status: WaveStatus
    sku: str
    location: str
    qty: int
    puts: list[PutDoneOut] = Field(description="Where the scanned units go: tote and order.")
