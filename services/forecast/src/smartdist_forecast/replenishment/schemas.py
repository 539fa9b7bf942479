"""Request and response models of replenishment: recommendations, simulations, product profiles."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

# Units a shop holds or has on order: finite and below anything a store stocks of one SKU.
MAX_UNITS = 10_000_000
Units = Annotated[float, Field(ge=0, le=MAX_UNITS, allow_inf_nan=False)]


class StockIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    store: str = Field(min_length=1, max_length=40)
    sku: str = Field(min_length=1, max_length=60)
    on_hand: Units | None = Field(default=None, description="units on hand; omitted: the WMS's latest count")
    on_order: Units = Field(default=0, description="units ordered and not yet arrived")


class PolicyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lead_time_days: int = Field(ge=0, le=60, description="days from order to arrival")
    review_days: int = Field(ge=1, le=60, description="days between orders")
    service_level: float = Field(ge=0.5, le=0.999, allow_inf_nan=False, description="cycle service level")


class RecommendationsIn(PolicyIn):
    pack_size: int = Field(default=1, ge=1, le=10_000, description="orders are whole packs of this many units")
    stock: list[StockIn] | None = Field(
        default=None,
        min_length=1,
        max_length=50_000,
        description="stock per store and SKU; omitted: every store count received from the WMS",
    )


class SimulationIn(PolicyIn):
    cover_days: float = Field(
        gt=0,
        le=90,
        allow_inf_nan=False,
        description="the merchant's rule: order up to N days of the last 4 weeks' average demand",
    )


class RecommendationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    store: str
    sku: str
    on_hand: float
    on_order: float
    expected_demand: float = Field(description="units over lead time + review period")
    safety_stock: float
    order_up_to: float
    order_qty: int = Field(description="units to order now, whole packs")
    lead_time_days: int
    review_period_days: int
    pack_size: int
    service_level: float
    store_name: str = Field(default="", description="the store's name from the imported sales")
    product_name: str = Field(default="", description="the product's name (品名) from the imported sales")


class RecommendationsOut(BaseModel):
    model_version_id: str
    items: list[RecommendationOut]


class ProductProfileIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    shelf_life_days: int = Field(ge=1, le=3650, description="days a unit can be sold, counting its arrival day")
    unit_kg: float = Field(
        gt=0, le=1000, allow_inf_nan=False, description="weight of one sales unit in kg (waste is counted in kg)"
    )


class ProductProfileOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    sku: str
    shelf_life_days: int
    unit_kg: float
    updated_at: datetime
