"""Product requests and answers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

# No text may carry NUL: PostgreSQL cannot store it (a GS1 scan's GS separator, 0x1d, is fine).
NO_NUL = r"^[^\x00]*$"


class Input(BaseModel):
    """Base of every request body: unknown fields refused, no NUL in any text."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("text must not contain NUL characters")
        return value


Sku = Field(min_length=1, max_length=60, pattern=r"^\S(.*\S)?$", description="The merchant's product code.")
Tracking = Literal["none", "lot", "expiry"]


class ProductIn(Input):
    sku: str = Sku
    name: str = Field(min_length=1, max_length=200, description="What the clerk sees on the PDA.")
    barcode: str | None = Field(default=None, min_length=1, max_length=64, description="Unit barcode (EAN/GTIN).")
    unit: str = Field(default="pcs", min_length=1, max_length=20, description="Unit of every quantity.")
    tracking: Tracking = Field(default="none", description="none, lot (lot number required) or expiry (date required).")
    near_expiry_days: int = Field(
        default=3, ge=0, le=365, description="Stock expiring within this many days is announced as near expiry."
    )
    barcodes: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list, max_length=20, description="More unit barcodes that scan as this product."
    )
    pack_barcode: str | None = Field(default=None, min_length=1, max_length=64, description="Carton barcode.")
    pack_size: int = Field(default=1, ge=1, le=10_000, description="Units in one carton.")
    allocation: Literal["fefo", "fifo"] = Field(
        default="fefo", description="fefo: earliest expiry first; fifo: oldest receipt first."
    )
    category: str | None = Field(default=None, min_length=1, max_length=60, description="Putaway zone by category.")
    fixed_location: str | None = Field(
        default=None, min_length=1, max_length=40, description="Location code putaway suggests first."
    )


class ProductOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    sku: str
    name: str
    barcode: str | None
    barcodes: list[str] = Field(description="More unit barcodes.")
    unit: str
    tracking: Tracking
    near_expiry_days: int
    pack_barcode: str | None
    pack_size: int
    allocation: Literal["fefo", "fifo"]
    category: str | None
    fixed_location: str | None
    created_at: datetime
