"""The store report."""

from __future__ import annotations

from pydantic import BaseModel, Field


class SceneViews(BaseModel):
    scene_id: str
    name: str
    views: int


class HotspotClicks(BaseModel):
    hotspot_id: str
    scene_id: str
    title: str
    clicks: int


class CouponFigures(BaseModel):
    issued: int | None = Field(description="Coupons the store's campaigns offer in all (None: unlimited).")
    claimed: int = Field(description="Codes claimed into wallets.")
    redeemed: int = Field(description="Standing redemptions (reversed ones excluded).")
    redemption_rate: float | None = Field(description="redeemed / claimed")
    revenue_twd: int = Field(description="Spend of the redeemed coupons' purchases.")
    discount_twd: int


class StoreReport(BaseModel):
    store_id: str
    views: int = Field(description="Viewer page opens.")
    unique_views: int = Field(description="Distinct visitors.")
    scenes: list[SceneViews]
    hotspots: list[HotspotClicks]
    coupons: CouponFigures
