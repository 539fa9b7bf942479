"""Response model of the WMS's stock counts as forecast keeps them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class StockLevelOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    store: str = Field(description="the store (or warehouse) code")
    sku: str
    on_hand: float = Field(description="units on hand when the WMS counted")
    at: datetime = Field(description="when the WMS took the count")
    location_kind: str = Field(description="store or warehouse")
    updated_at: datetime = Field(description="when forecast received it")
