"""Scan requests and answers."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from smartdist_wms.products.schemas import Input


class ScanIn(Input):
    code: str = Field(min_length=1, max_length=200, description="What the scanner typed (GS separators allowed).")


class ScanOut(BaseModel):
    kind: Literal["location", "product"]
    code: str = Field(description="The scan as received.")
    location: str | None = Field(description="Location code, for a location scan.")
    location_status: str | None = None
    sku: str | None = Field(description="Product, for a product scan.")
    name: str | None = None
    tracking: str | None = None
    units: int = Field(description="Units one scan counts (a carton counts its pack size).")
    lot: str | None = Field(description="Lot read from a GS1 label.")
    expiry: date | None = Field(description="Expiry (or best before) read from a GS1 label.")
