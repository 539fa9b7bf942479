"""Stores, scenes from ready panoramas, hotspots, publishing, visits counted once, the report."""

from __future__ import annotations

from typing import Any

from smartdist.bus.models import OutboxEvent
from smartdist.kpi.models import KpiRecord
from smartdist_virtual_store.app import DEFINITION

STAFF = ("clerk",)
VISITOR = "visitor-0001"


def _store_with_two_scenes(svc: Any, h: dict[str, str], ready_panorama: Any) -> dict[str, Any]:
    store = svc.client.post("/api/v1/stores", headers=h, json={"name": "大稻埕南北貨"}).json()
    pano = ready_panorama(svc, h)
    entrance = svc.client.post(
        f"/api/v1/stores/{store['id']}/scenes", headers=h, json={"panorama_id": pano, "name": "入口"}
    )
    assert entrance.status_code == 201, entrance.text
    aisle = svc.client.post(
        f"/api/v1/stores/{store['id']}/scenes", headers=h, json={"panorama_id": pano, "name": "乾貨區", "yaw": 90}
    ).json()
    return {"store": store, "entrance": entrance.json(), "aisle": aisle, "panorama_id": pano}


def test_a_published_store_serves_its_tour_with_hotspots_and_open_campaigns(
    service_factory, ready_panorama, campaign_body
) -> None:
    with service_factory(DEFINITION) as svc:
        t = svc.new_tenant()
        h = svc.headers(t, STAFF)
        made = _store_with_two_scenes(svc, h, ready_panorama)
        sid, entrance, aisle = made["store"]["id"], made["entrance"], made["aisle"]
        campaign = svc.client.post("/api/v1/campaigns", headers=h, json=campaign_body(store_id=sid)).json()
        product = {
            "kind": "product",
            "pitch": -5.5,
            "yaw": 30,
            "title": "烏魚子禮盒",
            "text": "台灣野生烏魚子",
            "image_urls": ["https://example.com/a.jpg"],
            "video_url": "https://example.com/v.mp4",
            "model_url": "/models/box.glb",
            "price": 1280,
            "shop_url": "https://shop.example.com/p/1",
            "campaign_id": campaign["id"],
            "icon": "cart",
            "color": "#123abc",
        }
        card = svc.client.post(f"/api/v1/scenes/{entrance['id']}/hotspots", headers=h, json=product)
        assert card.status_code == 201, card.text
        link = {
            "kind": "scene",
            "pitch": 0,
            "yaw": 90,
            "title": "往乾貨區",
            "target_scene_id": aisle["id"],
            "icon": "arrow",
        }
        assert svc.client.post(f"/api/v1/scenes/{entrance['id']}/hotspots", headers=h, json=link).status_code == 201
        assert svc.client.get(f"/api/v1/public/stores/{sid}").status_code == 404  # not yet published
        assert svc.client.post(f"/api/v1/stores/{sid}/publish", headers=h).json()["published"] is True
        tour = svc.client.get(f"/api/v1/public/stores/{sid}").json()
        assert tour["first_scene_id"] == entrance["id"]
        first = tour["scenes"][0]
        assert first["multires"]["cubeResolution"] > 0 and first["preview_url"]
        cards = {hs["kind"]: hs for hs in first["hotspots"]}
        assert cards["product"]["price"] == 1280 and cards["product"]["campaign_id"] == campaign["id"]
        assert cards["scene"]["target_scene_id"] == aisle["id"]
        assert [c["id"] for c in tour["campaigns"]] == [campaign["id"]]
        svc.client.post(f"/api/v1/stores/{sid}/unpublish", headers=h)
        assert svc.client.get(f"/api/v1/public/stores/{sid}").status_code == 404


def test_bad_hotspots_and_scenes_are_refused(service_factory, ready_panorama, upload, image_bytes) -> None:
    with service_factory(DEFINITION) as svc:
        t = svc.new_tenant()
        h = svc.headers(t, STAFF)
        made = _store_with_two_scenes(svc, h, ready_panorama)
        scene = made["entrance"]["id"]
        for bad in (
            {"kind": "product", "pitch": 91, "yaw": 0, "title": "x"},
            {"kind": "product", "pitch": 0, "yaw": 0, "title": "x", "shop_url": "javascript:alert(1)"},
            {"kind": "product", "pitch": 0, "yaw": 0, "title": "x", "color": "red"},
            {"kind": "product", "pitch": 0, "yaw": 0, "title": "x", "price": -1},
            {"kind": "scene", "pitch": 0, "yaw": 0, "title": "x"},
            {"kind": "scene", "pitch": 0, "yaw": 0, "title": "x", "target_scene_id": "0" * 32},
        ):
            assert svc.client.post(f"/api/v1/scenes/{scene}/hotspots", headers=h, json=bad).status_code == 422, bad
        processing = upload(svc, h, image_bytes(4096, 2048)).json()["panorama_id"]
        r = svc.client.post(
            f"/api/v1/stores/{made['store']['id']}/scenes", headers=h, json={"panorama_id": processing, "name": "x"}
        )
        assert r.status_code in (201, 409)  # 409 while it is still processing


def test_a_store_holds_at_most_ten_scenes(service_factory, ready_panorama) -> None:
    with service_factory(DEFINITION) as svc:
        h = svc.headers(svc.new_tenant(), STAFF)
        store = svc.client.post("/api/v1/stores", headers=h, json={"name": "s"}).json()
        pano = ready_panorama(svc, h)
        for i in range(10):
            body = {"panorama_id": pano, "name": f"scene {i}"}
            assert svc.client.post(f"/api/v1/stores/{store['id']}/scenes", headers=h, json=body).status_code == 201
        eleventh = svc.client.post(
            f"/api/v1/stores/{store['id']}/scenes", headers=h, json={"panorama_id": pano, "name": "11"}
        )
        assert eleventh.status_code == 409


def test_a_visit_counts_once_per_visitor_and_day_and_the_report_adds_up(
    service_factory, ready_panorama, campaign_body, consumer_headers
) -> None:
    with service_factory(DEFINITION) as svc:
        t = svc.new_tenant()
        h = svc.headers(t, STAFF)
        made = _store_with_two_scenes(svc, h, ready_panorama)
        sid, entrance, aisle = made["store"]["id"], made["entrance"]["id"], made["aisle"]["id"]
        hotspot = svc.client.post(
            f"/api/v1/scenes/{entrance}/hotspots",
            headers=h,
            json={"kind": "product", "pitch": 0, "yaw": 0, "title": "茶葉"},
        ).json()
        svc.client.post(f"/api/v1/stores/{sid}/publish", headers=h)
        visit = {"visitor_id": VISITOR, "scene_id": entrance}
        assert svc.client.post(f"/api/v1/public/stores/{sid}/visits", json=visit).json() == {"counted": True}
        assert svc.client.post(f"/api/v1/public/stores/{sid}/visits", json=visit).json() == {"counted": False}
        other = {"visitor_id": "visitor-0002", "scene_id": entrance}
        assert svc.client.post(f"/api/v1/public/stores/{sid}/visits", json=other).json() == {"counted": True}
        moved = {"visitor_id": VISITOR, "scene_id": aisle}
        assert svc.client.post(f"/api/v1/public/stores/{sid}/scene-views", json=moved).status_code == 200
        click = {"visitor_id": VISITOR, "hotspot_id": hotspot["id"]}
        for _ in range(3):
            assert svc.client.post(f"/api/v1/public/stores/{sid}/clicks", json=click).status_code == 200
        bad_click = {"visitor_id": VISITOR, "hotspot_id": "0" * 32}
        assert svc.client.post(f"/api/v1/public/stores/{sid}/clicks", json=bad_click).status_code == 422
        assert (
            svc.client.post(f"/api/v1/public/stores/{sid}/visits", json={"visitor_id": "<script>"}).status_code == 422
        )

        campaign = svc.client.post(
            "/api/v1/campaigns", headers=h, json=campaign_body(store_id=sid, kind="amount", value=100, total_limit=50)
        ).json()
        codes = [
            svc.client.post(
                f"/api/v1/campaigns/{campaign['id']}/claims", headers=consumer_headers(svc, f"c{i}")
            ).json()["code"]
            for i in range(4)
        ]
        reds = [
            svc.client.post("/api/v1/redemptions", headers=h, json={"code": c, "spend": 1000}).json() for c in codes[:2]
        ]
        svc.client.post(f"/api/v1/redemptions/{reds[1]['id']}/reversal", headers=h)

        report = svc.client.get(f"/api/v1/reports/stores/{sid}", headers=h).json()
        assert report["views"] == 3 and report["unique_views"] == 2
        assert {s["scene_id"]: s["views"] for s in report["scenes"]} == {entrance: 3, aisle: 1}
        assert report["hotspots"][0] == {
            "hotspot_id": hotspot["id"],
            "scene_id": entrance,
            "title": "茶葉",
            "clicks": 3,
        }
        assert report["coupons"] == {
            "issued": 50,
            "claimed": 4,
            "redeemed": 1,
            "redemption_rate": 0.25,
            "revenue_twd": 1000,
            "discount_twd": 100,
        }
        kpis = {k["code"]: k["value"] for k in svc.client.get("/api/v1/kpi/summary", headers=h).json()["kpis"]}
        assert kpis["views_and_redemptions"] == 2 + 1  # two visits, one standing redemption
        with svc.database.tenant_transaction(t) as s:
            types = sorted(e.type for e in s.query(OutboxEvent))
            visits = s.query(KpiRecord).filter(KpiRecord.doc_type == "store_visit").count()
        assert visits == 2
        assert types.count("smartdist.virtual-store.store.viewed") == 2
        assert types.count("smartdist.virtual-store.coupon.claimed") == 4
        assert types.count("smartdist.virtual-store.coupon.redeemed") == 2


def test_another_tenant_cannot_read_or_change_stores_scenes_hotspots_or_reports(
    service_factory, ready_panorama
) -> None:
    with service_factory(DEFINITION) as svc:
        a, b = svc.new_tenant(), svc.new_tenant()
        ha, hb = svc.headers(a, STAFF), svc.headers(b, STAFF)
        made = _store_with_two_scenes(svc, ha, ready_panorama)
        sid, scene = made["store"]["id"], made["entrance"]["id"]
        hotspot = svc.client.post(
            f"/api/v1/scenes/{scene}/hotspots", headers=ha, json={"kind": "info", "pitch": 0, "yaw": 0, "title": "i"}
        ).json()
        assert svc.client.get(f"/api/v1/stores/{sid}", headers=hb).status_code == 404
        assert svc.client.get("/api/v1/stores", headers=hb).json()["items"] == []
        assert svc.client.patch(f"/api/v1/stores/{sid}", headers=hb, json={"name": "x"}).status_code == 404
        assert svc.client.post(f"/api/v1/stores/{sid}/publish", headers=hb).status_code == 404
        assert svc.client.patch(f"/api/v1/scenes/{scene}", headers=hb, json={"name": "x"}).status_code == 404
        assert svc.client.delete(f"/api/v1/scenes/{scene}", headers=hb).status_code == 404
        hid = hotspot["id"]
        assert svc.client.patch(f"/api/v1/hotspots/{hid}", headers=hb, json={"title": "x"}).status_code == 404
        assert svc.client.delete(f"/api/v1/hotspots/{hid}", headers=hb).status_code == 404
        assert svc.client.get(f"/api/v1/reports/stores/{sid}", headers=hb).status_code == 404
        b_store = svc.client.post("/api/v1/stores", headers=hb, json={"name": "b"}).json()
        steal = {"panorama_id": made["panorama_id"], "name": "x"}
        assert svc.client.post(f"/api/v1/stores/{b_store['id']}/scenes", headers=hb, json=steal).status_code == 422
        assert svc.client.get(f"/api/v1/stores/{sid}", headers=ha).json()["scenes"][0]["name"] == "入口"
