"""The demo seed: a published store of three real scenes linked by hotspots and a live campaign;
without the shared data folder it seeds a store without scenes."""

from __future__ import annotations

from pathlib import Path

from smartdist_virtual_store import demo
from smartdist_virtual_store.app import DEFINITION


def test_the_demo_store_has_three_real_linked_scenes_and_a_live_campaign(service_factory, shared_data_dir) -> None:
    with service_factory(DEFINITION) as svc:
        t = svc.new_tenant()
        DEFINITION.seed_demo(svc.runtime, t)  # type: ignore[misc]
        DEFINITION.seed_demo(svc.runtime, t)  # type: ignore[misc]  # a restart seeds nothing twice
        h = svc.headers(t, ("owner",))
        stores = svc.client.get("/api/v1/stores", headers=h).json()["items"]
        assert len(stores) == 1 and stores[0]["published"]
        tour = svc.client.get(f"/api/v1/public/stores/{stores[0]['id']}").json()
        assert len(tour["scenes"]) == 3 and tour["campaigns"]
        ids = {s["id"] for s in tour["scenes"]}
        targets = {h["target_scene_id"] for s in tour["scenes"] for h in s["hotspots"] if h["kind"] == "scene"}
        assert targets == ids  # every scene is reachable by a hotspot
        assert any(h["kind"] == "product" and h["campaign_id"] for s in tour["scenes"] for h in s["hotspots"])
        first = tour["scenes"][0]
        assert svc.client.get(first["multires"]["basePath"] + "/1/f0_0.jpg").status_code == 200


def test_without_the_data_folder_the_store_is_seeded_without_scenes(service_factory, monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(demo, "panorama_dir", lambda: None)
    with service_factory(DEFINITION) as svc:
        t = svc.new_tenant()
        DEFINITION.seed_demo(svc.runtime, t)  # type: ignore[misc]
        stores = svc.client.get("/api/v1/stores", headers=svc.headers(t)).json()["items"]
        assert len(stores) == 1 and stores[0]["scenes"] == [] and not stores[0]["published"]
    assert isinstance(Path(tmp_path), Path)
