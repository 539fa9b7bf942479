"""The demo seed: a published store of three real scenes linked by hotspots, product cards and a
live campaign, from the panoramas in ../shared/data beside the repository (small versions, so a
fresh demo starts in seconds). Without that folder the store is seeded without scenes."""

from __future__ import annotations

import io
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import structlog
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartdist.db import utcnow
from smartdist_virtual_store.campaigns import service as campaigns
from smartdist_virtual_store.campaigns.schemas import CampaignIn
from smartdist_virtual_store.config import get_settings
from smartdist_virtual_store.panoramas import service as panoramas
from smartdist_virtual_store.redemptions import service as redemptions
from smartdist_virtual_store.stores import service as stores
from smartdist_virtual_store.stores.models import Store
from smartdist_virtual_store.stores.schemas import HotspotIn, SceneIn, StoreIn

log = structlog.get_logger(__name__)

# (file, scene name) — the interior first: a visitor enters the shop.
SCENES = [
    ("egjs-view360-equi-room-2048x1024.jpg", "店內 Shop floor"),
    ("pannellum-examplepano-4096x2048.jpg", "觀景台 Lookout"),
    ("aframe-puydesancy-4096x2048.jpg", "山脊步道 Ridge trail"),
]


def panorama_dir() -> Path | None:
    configured = get_settings().demo_panorama_dir
    if configured is not None:
        return configured if configured.is_dir() else None
    for parent in Path(__file__).resolve().parents:
        if (parent / "services").is_dir():
            candidate = parent.parent / "shared" / "data" / "panoramas"
            return candidate if candidate.is_dir() else None
    return None


def small_version(path: Path, width: int) -> bytes:
    """The panorama at the demo's width, so processing three of them takes about a second."""
    with Image.open(path) as im:
        im.draft("RGB", (width, width // 2))  # JPEG decodes straight at a reduced scale
        small = im.convert("RGB").resize((width, width // 2), Image.Resampling.BILINEAR)
    buf = io.BytesIO()
    small.save(buf, "JPEG", quality=88)
    return buf.getvalue()


def _hotspot(**fields: Any) -> HotspotIn:
    return HotspotIn.model_validate(fields)


def seed_virtual_store(session: Session, tenant_id: str, data_dir: Path, folder: Path | None) -> dict[str, Any]:
    if session.scalar(select(Store.id).limit(1)) is not None:
        return {"seeded": False}
    now = utcnow()
    store = stores.create_store(
        session, StoreIn(name="山城雜貨 Mountain Grocer", description="走進店裡、看看山景，領一張優惠券再來店裡。")
    )
    coupon = campaigns.create_campaign(
        session,
        CampaignIn(
            name="滿千折百 NT$100 off NT$1,000",
            description="虛擬商店限定，到店出示條碼即可折抵。",
            kind="amount",
            value=100,
            min_spend=1000,
            starts_at=now - timedelta(days=1),
            ends_at=now + timedelta(days=60),
            total_limit=500,
            per_customer_limit=2,
            store_id=store.id,
        ),
    )
    tea = campaigns.create_campaign(
        session,
        CampaignIn(
            name="茶品九折 10% off tea",
            kind="percent",
            value=10,
            starts_at=now - timedelta(days=1),
            ends_at=now + timedelta(days=30),
            store_id=store.id,
        ),
    )
    # SPEC §5 flow 5 on show: a coupon claimed online and redeemed at the counter.
    claimed = campaigns.claim_coupon(session, tea.id, "demo-shopper", now=now)
    redemptions.redeem_coupon(session, claimed.code, 450, clerk="demo")
    files = [(folder / name, scene) for name, scene in SCENES] if folder else []
    files = [(p, s) for p, s in files if p.is_file()]
    if not files:
        log.warning("virtual_store_demo_without_panoramas", looked_in=str(folder))
        return {"seeded": True, "scenes": 0}
    media = panoramas.media_store(data_dir)
    width = get_settings().demo_panorama_width
    scene_ids = []
    for path, name in files:
        panorama = panoramas.process_now(
            session, media, tenant_id=tenant_id, data=small_version(path, width), scene_name=name
        )
        scene_ids.append(stores.add_scene(session, store.id, SceneIn(panorama_id=panorama.id, name=name)).id)
    shop_floor = scene_ids[0]
    stores.add_hotspot(
        session,
        shop_floor,
        _hotspot(
            kind="product",
            pitch=-8,
            yaw=-20,
            title="阿里山高山茶禮盒 Alishan oolong gift box",
            text="手採高山烏龍，150 g × 2 罐。Hand-picked high-mountain oolong, 2 × 150 g.",
            price=1280,
            shop_url="https://shop.example.com/tea-gift-box",
            model_url="https://modelviewer.dev/shared-assets/models/Astronaut.glb",
            campaign_id=coupon.id,
            icon="cart",
            color="#1f7a4d",
        ),
    )
    stores.add_hotspot(
        session,
        shop_floor,
        _hotspot(
            kind="product",
            pitch=-15,
            yaw=60,
            title="手工竹編籃 Hand-woven bamboo basket",
            text="竹山老師傅手編。Woven by a Zhushan master.",
            price=650,
            video_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            shop_url="https://shop.example.com/bamboo-basket",
            icon="tag",
            color="#b5651d",
        ),
    )
    # (from, to, title, pitch, yaw, icon): the walk shop floor -> lookout -> ridge and back
    links = [
        (0, 1, "到觀景台 To the lookout", 0, -75, "arrow"),
        (1, 0, "回店內 Back to the shop", -10, 180, "door"),
        (1, 2, "走山脊步道 Ridge trail", -5, 90, "arrow"),
        (2, 1, "回觀景台 Back to the lookout", -5, -90, "arrow"),
    ]
    for source, target, title, pitch, yaw, icon in links:
        if max(source, target) < len(scene_ids):
            link = _hotspot(
                kind="scene", pitch=pitch, yaw=yaw, title=title, target_scene_id=scene_ids[target], icon=icon
            )
            stores.add_hotspot(session, scene_ids[source], link)
    if len(scene_ids) > 1:
        lake = _hotspot(
            kind="info", pitch=5, yaw=30, title="山湖 The lake", text="天氣好時可看到湖面。", color="#2e6fba"
        )
        stores.add_hotspot(session, scene_ids[1], lake)
    if len(scene_ids) > 2:
        stores.add_hotspot(
            session,
            scene_ids[2],
            _hotspot(
                kind="product",
                pitch=-10,
                yaw=0,
                title="登山保溫瓶 Trail flask",
                price=890,
                shop_url="https://shop.example.com/flask",
                campaign_id=coupon.id,
                icon="gift",
                color="#8e44ad",
            ),
        )
    stores.publish_store(session, store.id, True)
    return {"seeded": True, "scenes": len(scene_ids), "store_id": store.id}


def seed_demo(runtime: Any, tenant_id: str) -> None:
    """Once per data folder: the demo merchant's published virtual store."""
    started = time.monotonic()
    data_dir = runtime.settings.resolved_data_dir()
    with runtime.database.tenant_transaction(tenant_id) as session:
        result = seed_virtual_store(session, tenant_id, data_dir, panorama_dir())
    log.info("virtual_store_demo_seeded", tenant_id=tenant_id, seconds=round(time.monotonic() - started, 2), **result)
