"""Edge schemas of the seller profile."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from smartdist_surplus_market.listings.schemas import Location


class SellerIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(None, min_length=1, max_length=200, description="Shown to consumers.")
    kind: Literal["store", "bakery", "supermarket", "supplier"] | None = None
    phone: str | None = Field(None, max_length=40)
    address: str | None = Field(None, max_length=400)
    location: Location | None = Field(None, description="Default place of new listings.")


class SellerOut(BaseModel):
    id: str
    name: str
    kind: str
    phone: str
    address: str
    location: Location | None
    rating: float | None = Field(description="Mean stars of rated orders (1-5).")
    ratings: int
