"""Return requests and answers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from smartdist_wms.products.schemas import Input
from smartdist_wms.stock.schemas import check_expiry

MAX_QTY = 1_000_000
ReturnStatus = Literal["created", "inspected", "completed", "cancelled"]


class ReturnLineIn(Input):
    sku: str = Field(min_length=1, max_length=60, description="Product.")
    qty: int = Field(strict=True, ge=1, le=MAX_QTY, description="Units coming back.")
    lot: str | None = Field(default=None, min_length=1, max_length=60, description="Lot.")
    expiry: date | None = Field(default=None, description="Expiry (YYYY-MM-DD).")

    _expiry = field_validator("expiry")(check_expiry)


class ReturnIn(Input):
    ref: str = Field(min_length=1, max_length=60, description="The customer's return number (RMA).")
    customer: str | None = Field(default=None, min_length=1, max_length=200)
    outbound_order_id: int | None = Field(default=None, ge=1, le=2**63 - 1, description="The shipment it returns.")
    lines: list[ReturnLineIn] = Field(min_length=1, max_length=500)


class InspectionLineIn(Input):
    sku: str = Field(min_length=1, max_length=64, description="Product (SKU or barcode).")
    lot: str | None = Field(default=None, min_length=1, max_length=60)
    restock: int = Field(default=0, strict=True, ge=0, le=MAX_QTY, description="Sound units, back into stock.")
    damaged: int = Field(default=0, strict=True, ge=0, le=MAX_QTY, description="Units kept apart as damaged.")
    scrap: int = Field(default=0, strict=True, ge=0, le=MAX_QTY, description="Units thrown away.")


class InspectionIn(Input):
    lines: list[InspectionLineIn] = Field(min_length=1, max_length=500)


class RestockLineIn(Input):
    sku: str = Field(min_length=1, max_length=64, description="Product (SKU or barcode).")
    qty: int = Field(strict=True, ge=1, le=MAX_QTY)
    location: str = Field(min_length=1, max_length=40, description="Location scanned.")
    lot: str | None = Field(default=None, min_length=1, max_length=60)


class RestockIn(Input):
    lines: list[RestockLineIn] = Field(min_length=1, max_length=500)


class ReturnLineOut(BaseModel):
    sku: str
    qty: int
    lot: str | None
    expiry: str | None
    restock: int
    damaged: int
    scrap: int
    restocked: int


class ReturnOut(BaseModel):
    id: int
    no: str
    ref: str
    customer: str | None
    outbound_order_id: int | None
    status: ReturnStatus
    lines: list[ReturnLineOut]
    created_at: datetime
    completed_at: datetime | None
