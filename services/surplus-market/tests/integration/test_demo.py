"""The demo seed: stores around Taipei with listings at every markdown step, seeded once."""

from __future__ import annotations

from smartdist_surplus_market.app import DEFINITION
from smartdist_surplus_market.demo import seed_demo


def test_demo_seed_is_idempotent_and_shows_every_step(service_factory) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        t = svc.new_tenant()
        seed_demo(svc.runtime, t)
        seed_demo(svc.runtime, t)  # a second start seeds nothing new
        near = svc.client.get(
            "/api/v1/listings/nearby", params={"lat": 25.04, "lng": 121.54, "radius_m": 30000, "limit": 100}
        ).json()["items"]
        store = [i for i in near if i["mode"] == "store"]
        assert len(store) == 32
        assert {i["percent_off"] for i in store} == {0.0, 20.0, 40.0, 60.0}
        assert any(i["mode"] == "supplier" for i in near)
        h = svc.headers(t, ["clerk"])
        assert len(svc.client.get("/api/v1/listings?status=draft", headers=h).json()["items"]) == 1
        summary = svc.client.get("/api/v1/kpi/summary", headers=svc.headers(t)).json()
        assert {k["code"]: k["value"] for k in summary["kpis"]}["transactions_matched"] == 260
        assert summary["co2e_kg"] > 0
