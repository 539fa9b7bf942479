"""Stock requests and answers."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field, field_validator

from smartdist_wms.products.schemas import Input

MAX_QTY = 1_000_000


def check_expiry(value: date | None) -> date | None:
    if value is not None and not date(2000, 1, 1) <= value <= date(2199, 12, 31):
        raise ValueError("expiry must be a date between 2000-01-01 and 2199-12-31")
    return value


class StockOut(BaseModel):
    sku: str = Field(description="Product.")
    location: str = Field(description="Location code.")
    lot: str | None = Field(description="Lot number; null when the product has no lots.")
    expiry: str | None = Field(description="Expiry date YYYY-MM-DD; null when undated.")
    on_hand: int = Field(description="Units in the location.")
    allocated: int = Field(description="Units promised to outbound orders.")
    available: int = Field(description="on_hand - allocated.")


class AdjustmentIn(Input):
    sku: str = Field(min_length=1, max_length=60, description="Product.")
    location: str = Field(min_length=1, max_length=40, description="Location code.")
    qty: int = Field(
        strict=True, ge=-MAX_QTY, le=MAX_QTY, description="Positive adds units, negative removes them; not 0."
    )
    reason: str = Field(min_length=1, max_length=200, description="Why (found, damaged, count, ...).")
    lot: str | None = Field(default=None, min_length=1, max_length=60, description="Lot number.")
    expiry: date | None = Field(default=None, description="Expiry date of new units (YYYY-MM-DD).")

    @field_validator("qty")
    @classmethod
    def _not_zero(cls, value: int) -> int:
        if value == 0:
            raise ValueError("qty must not be 0")
        return value

    _expiry = field_validator("expiry")(check_expiry)


class AdjustmentOut(StockOut):
    id: int = Field(description="The ledger movement written.")
    qty: int
    reason: str


class MoveIn(Input):
    sku: str = Field(min_length=1, max_length=60, description="Product.")
    from_location: str = Field(min_length=1, max_length=40, description="Where the units are.")
    to_location: str = Field(min_length=1, max_length=40, description="Where they go.")
    qty: int = Field(strict=True, ge=1, le=MAX_QTY, description="Units to move (free, not allocated).")
    lot: str | None = Field(default=None, min_length=1, max_length=60, description="Lot, when several are there.")


class MoveOut(BaseModel):
    source: StockOut
    target: StockOut
    qty: int


class MovementOut(BaseModel):
    id: int
    sku: str
    location: str
    lot: str | None
    expiry: str | None
    d_on_hand: int
    d_allocated: int
    reason: str
    note: str
    doc_type: str
    doc_id: int | None
    by: str
    at: str


class LedgerCheckOut(BaseModel):
    items: int = Field(description="Stock rows compared.")
    movements: int = Field(description="Ledger rows summed.")
    mismatches: list[dict[str, object]] = Field(description="Stock rows whose counts differ from the ledger's.")
    negative: int = Field(description="Rows with negative on-hand or available.")
    over_allocated: int = Field(description="Rows allocating more than they hold.")
    allocation_mismatches: list[dict[str, object]] = Field(
        description="Stock rows whose allocated differs from the open allocations of orders."
    )
    ok: bool
