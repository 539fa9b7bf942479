"""Cycle count requests and answers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from smartdist_wms.products.schemas import Input
from smartdist_wms.stock.schemas import check_expiry

CountStatus = Literal["open", "counted", "approved", "rejected"]


class CountTaskIn(Input):
    location: str = Field(min_length=1, max_length=40, description="Location to count.")


class CountLineIn(Input):
    sku: str = Field(min_length=1, max_length=64, description="Product (SKU or barcode).")
    qty: int = Field(strict=True, ge=0, le=1_000_000, description="Units counted.")
    lot: str | None = Field(default=None, min_length=1, max_length=60)
    expiry: date | None = Field(default=None, description="Expiry (YYYY-MM-DD).")

    _expiry = field_validator("expiry")(check_expiry)


class CountIn(Input):
    lines: list[CountLineIn] = Field(max_length=500, description="Everything found; what is not listed counts 0.")


class CountLineOut(BaseModel):
    sku: str
    lot: str | None
    expiry: str | None
    counted: int | None = Field(description="null while the task is open.")
    expected: int | None = Field(description="On hand by the books; hidden while the count is blind (open).")
    variance: int | None


class CountTaskOut(BaseModel):
    id: int
    location: str
    status: CountStatus
    lines: list[CountLineOut]
    created_at: datetime
    counted_at: datetime | None
    counted_by: str
    closed_at: datetime | None
