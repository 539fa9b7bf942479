"""The store report: views, scenes, hotspot clicks, coupons and their revenue."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from smartdist_virtual_store.campaigns import service as campaigns
from smartdist_virtual_store.redemptions import service as redemptions
from smartdist_virtual_store.reports.schemas import CouponFigures, HotspotClicks, SceneViews, StoreReport
from smartdist_virtual_store.stores import service as stores
from smartdist_virtual_store.visits import service as visits


def store_report(session: Session, store_id: str, start: datetime | None, end: datetime | None) -> StoreReport:
    stores.get_store(session, store_id)
    views, unique, per_scene, clicks = visits.view_counts(session, store_id, start, end)
    coupon = campaigns.coupon_counts(session, store_id, start, end)
    redeemed, revenue, discount = redemptions.redemption_totals(session, coupon["campaign_ids"], start, end)
    claimed = int(coupon["claimed"])
    return StoreReport(
        store_id=store_id,
        views=views,
        unique_views=unique,
        scenes=[
            SceneViews(scene_id=i, name=n, views=per_scene.get(i, 0))
            for i, n in stores.scene_ids(session, store_id).items()
        ],
        hotspots=sorted(
            (
                HotspotClicks(hotspot_id=i, scene_id=s, title=t, clicks=clicks.get(i, 0))
                for i, (s, t) in stores.hotspot_titles(session, store_id).items()
            ),
            key=lambda h: -h.clicks,
        ),
        coupons=CouponFigures(
            issued=coupon["offered"],
            claimed=claimed,
            redeemed=redeemed,
            redemption_rate=round(redeemed / claimed, 4) if claimed else None,
            revenue_twd=revenue,
            discount_twd=discount,
        ),
    )
