"""Inbound order requests and answers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from smartdist_wms.products.schemas import Input
from smartdist_wms.stock.schemas import check_expiry

MAX_QTY = 1_000_000
InboundStatus = Literal["draft", "created", "receiving", "putaway", "completed", "cancelled"]


class InboundLineIn(Input):
    sku: str = Field(min_length=1, max_length=60, description="Product.")
    qty: int = Field(strict=True, ge=1, le=MAX_QTY, description="Units announced.")
    lot: str | None = Field(default=None, min_length=1, max_length=60, description="Lot announced.")
    expiry: date | None = Field(default=None, description="Expiry announced (YYYY-MM-DD).")

    _expiry = field_validator("expiry")(check_expiry)


class InboundOrderIn(Input):
    ref: str = Field(min_length=1, max_length=60, description="The supplier's delivery note or PO number.")
    supplier: str | None = Field(default=None, min_length=1, max_length=200, description="Supplier code or name.")
    lines: list[InboundLineIn] = Field(min_length=1, max_length=500, description="What is coming.")


class ReceiptLineIn(Input):
    sku: str = Field(min_length=1, max_length=64, description="Product (SKU or barcode).")
    qty: int = Field(strict=True, ge=1, le=MAX_QTY, description="Units counted in all, damaged ones included.")
    damaged: int = Field(default=0, strict=True, ge=0, le=MAX_QTY, description="Of qty, the units that are not sound.")
    lot: str | None = Field(default=None, min_length=1, max_length=60, description="Lot on the goods.")
    expiry: date | None = Field(default=None, description="Expiry on the goods (YYYY-MM-DD).")
    location: str | None = Field(
        default=None,
        min_length=1,
        max_length=40,
        description="1-step receiving: where the sound units go at once (required there, refused otherwise).",
    )

    _expiry = field_validator("expiry")(check_expiry)

    @model_validator(mode="after")
    def _damaged_within_qty(self) -> ReceiptLineIn:
        if self.damaged > self.qty:
            raise ValueError("damaged cannot be more than qty (the units counted in all)")
        return self


class ReceiptIn(Input):
    lines: list[ReceiptLineIn] = Field(min_length=1, max_length=500, description="What was counted.")


class InspectionLineIn(Input):
    sku: str = Field(min_length=1, max_length=64, description="Product (SKU or barcode).")
    lot: str | None = Field(default=None, min_length=1, max_length=60, description="Lot, when several arrived.")
    accepted: int = Field(default=0, strict=True, ge=0, le=MAX_QTY, description="Units that pass QC: put away next.")
    rejected: int = Field(default=0, strict=True, ge=0, le=MAX_QTY, description="Units that fail QC: kept apart.")

    @model_validator(mode="after")
    def _some_units(self) -> InspectionLineIn:
        if self.accepted + self.rejected == 0:
            raise ValueError("accepted or rejected must be at least 1")
        return self


class InspectionIn(Input):
    lines: list[InspectionLineIn] = Field(min_length=1, max_length=500, description="What QC judged.")


class PutawayLineIn(Input):
    sku: str = Field(min_length=1, max_length=64, description="Product (SKU or barcode).")
    qty: int = Field(strict=True, ge=1, le=MAX_QTY, description="Units put into the location.")
    location: str = Field(min_length=1, max_length=40, description="Location scanned.")
    lot: str | None = Field(default=None, min_length=1, max_length=60, description="Lot, when several arrived.")


class PutawayIn(Input):
    lines: list[PutawayLineIn] = Field(min_length=1, max_length=500, description="What went where.")


class ReceivedLotOut(BaseModel):
    lot: str | None
    expiry: str | None
    sound: int
    damaged: int
    put_away: int
    inspected: int = Field(description="3-step receiving: sound units released by inspection.")
    waiting: int = Field(description="Sound units still at the dock.")


class InboundLineOut(BaseModel):
    sku: str
    name: str
    qty: int
    lot: str | None
    expiry: str | None
    received: int
    damaged: int
    put_away: int
    lots: list[ReceivedLotOut]


class InboundOrderOut(BaseModel):
    id: int
    no: str = Field(description="Document number in the KPI log.")
    ref: str
    supplier: str | None
    status: InboundStatus
    source: dict[str, Any] | None
    lines: list[InboundLineOut]
    created_at: datetime
    receiving_started_at: datetime | None
    completed_at: datetime | None


class SupplierIn(Input):
    code: str = Field(min_length=1, max_length=60, description="As written on inbound orders' supplier.")
    name: str = Field(min_length=1, max_length=200)
    over_receipt_pct: int = Field(default=0, ge=0, le=100, description="Over-receipt accepted, % of announced.")
    short_receipt: Literal["close", "backorder"] = Field(
        default="close", description="close: a short delivery closes the line; backorder: wait for the rest."
    )


class SupplierOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    code: str
    name: str
    over_receipt_pct: int
    short_receipt: Literal["close", "backorder"]


class PutawaySuggestionOut(BaseModel):
    sku: str
    lot: str | None
    expiry: str | None
    qty: int = Field(description="Sound units waiting at the dock.")
    location: str | None = Field(description="Suggested location (scan another to override).")
    reason: str = Field(description="fixed, same_product, category_zone, nearest_empty or none.")
