"""POST /api/v1/reservations and pickup (SPEC §4.E contracts): never oversold, idempotent, isolated."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from smartdist_surplus_market.app import DEFINITION

from ..conftest import clerk_headers, consumer_headers, listing_body


def _listing(svc, tenant, **kw) -> str:  # type: ignore[no-untyped-def]
    r = svc.client.post("/api/v1/listings", json=listing_body(**kw), headers=clerk_headers(svc, tenant))
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def test_reserve_and_pick_up(service_factory) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        t = svc.new_tenant()
        bb = datetime.now(UTC) + timedelta(hours=5)  # 50% step reached: 120 -> 60
        lid = _listing(svc, t, best_before=bb.isoformat(), quantity=3)
        me = consumer_headers(svc)
        r = svc.client.post(
            "/api/v1/reservations", json={"listing_id": lid, "quantity": 2}, headers={**me, "Idempotency-Key": "r-1"}
        )
        assert r.status_code == 201, r.text
        res = r.json()
        assert res["status"] == "reserved" and res["amount"] == 120 and len(res["pickup_code"]) == 6
        assert svc.client.get(f"/api/v1/listings/{lid}").json()["quantity"] == 1
        # a retry with the same key creates nothing new
        again = svc.client.post(
            "/api/v1/reservations", json={"listing_id": lid, "quantity": 2}, headers={**me, "Idempotency-Key": "r-1"}
        )
        assert again.status_code == 201 and again.json()["id"] == res["id"]
        assert svc.client.get(f"/api/v1/listings/{lid}").json()["quantity"] == 1
        # more than left: 409, nothing reserved
        over = svc.client.post("/api/v1/reservations", json={"listing_id": lid, "quantity": 2}, headers=me)
        assert over.status_code == 409
        assert svc.client.get(f"/api/v1/listings/{lid}").json()["quantity"] == 1
        staff = clerk_headers(svc, t)
        seen = svc.client.get(f"/api/v1/reservations/{res['id']}", headers=staff).json()
        assert seen["pickup_code"] is None and seen["service_fee"] == 12 and seen["payout"] == 108
        wrong_code = "000000" if res["pickup_code"] != "000000" else "111111"
        wrong = svc.client.post(
            f"/api/v1/reservations/{res['id']}/pickup", json={"pickup_code": wrong_code}, headers=staff
        )
        assert wrong.status_code == 422
        # consumers cannot confirm their own pickup
        assert (
            svc.client.post(
                f"/api/v1/reservations/{res['id']}/pickup", json={"pickup_code": res["pickup_code"]}, headers=me
            ).status_code
            == 403
        )
        ok = svc.client.post(
            f"/api/v1/reservations/{res['id']}/pickup", json={"pickup_code": res["pickup_code"]}, headers=staff
        )
        assert ok.status_code == 200 and ok.json()["status"] == "picked_up", ok.text
        twice = svc.client.post(
            f"/api/v1/reservations/{res['id']}/pickup", json={"pickup_code": res["pickup_code"]}, headers=staff
        )
        assert twice.status_code == 409
        mine = svc.client.get("/api/v1/reservations", headers=me).json()["items"]
        assert [m["status"] for m in mine] == ["picked_up"]
        logs = svc.client.get("/api/v1/kpi/logs", params={"format": "jsonl"}, headers=svc.headers(t)).text
        assert '"marketplace_order"' in logs and '"picked_up"' in logs


def test_expired_listing_is_not_reservable(service_factory) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        t = svc.new_tenant()
        lid = _listing(svc, t, best_before=(datetime.now(UTC) + timedelta(seconds=1)).isoformat())
        import time

        time.sleep(1.2)
        r = svc.client.post(
            "/api/v1/reservations", json={"listing_id": lid, "quantity": 1}, headers=consumer_headers(svc)
        )
        assert r.status_code == 409
        assert svc.client.get(f"/api/v1/listings/{lid}").status_code == 404
        unknown = svc.client.post(
            "/api/v1/reservations", json={"listing_id": "nope", "quantity": 1}, headers=consumer_headers(svc)
        )
        assert unknown.status_code == 404
        staff = svc.client.post(
            "/api/v1/reservations", json={"listing_id": lid, "quantity": 1}, headers=clerk_headers(svc, t)
        )
        assert staff.status_code == 403


def test_concurrent_reservations_for_the_last_items(service_factory) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        t = svc.new_tenant()
        items = 3
        lid = _listing(svc, t, quantity=items)
        tokens = [consumer_headers(svc, f"c-{i}") for i in range(16)]

        def attempt(h: dict[str, str]) -> int:
            return svc.client.post(
                "/api/v1/reservations", json={"listing_id": lid, "quantity": 1}, headers=h
            ).status_code

        with ThreadPoolExecutor(max_workers=16) as pool:
            codes = list(pool.map(attempt, tokens))
        assert codes.count(201) == items, codes
        assert codes.count(409) == len(tokens) - items, codes
        assert svc.client.get(f"/api/v1/listings/{lid}").json()["quantity"] == 0
        rows = svc.client.get("/api/v1/reservations", headers=clerk_headers(svc, t)).json()["items"]
        assert len(rows) == items


def test_idempotency_keys_belong_to_their_consumer(service_factory) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        t = svc.new_tenant()
        lid = _listing(svc, t, quantity=5)
        body = {"listing_id": lid, "quantity": 1}
        a = svc.client.post(
            "/api/v1/reservations", json=body, headers={**consumer_headers(svc, "a"), "Idempotency-Key": "same"}
        )
        b = svc.client.post(
            "/api/v1/reservations", json=body, headers={**consumer_headers(svc, "b"), "Idempotency-Key": "same"}
        )
        assert a.status_code == b.status_code == 201 and a.json()["id"] != b.json()["id"]
        reused = svc.client.post(
            "/api/v1/reservations",
            json={**body, "quantity": 2},
            headers={**consumer_headers(svc, "a"), "Idempotency-Key": "same"},
        )
        assert reused.status_code == 422
        assert svc.client.get(f"/api/v1/listings/{lid}").json()["quantity"] == 3


def test_tenant_and_consumer_isolation_of_reservations(service_factory) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        a, b = svc.new_tenant(), svc.new_tenant()
        lid = _listing(svc, a)
        res = svc.client.post(
            "/api/v1/reservations", json={"listing_id": lid, "quantity": 1}, headers=consumer_headers(svc, "c-a")
        ).json()
        hb = clerk_headers(svc, b)
        assert svc.client.get(f"/api/v1/reservations/{res['id']}", headers=hb).status_code == 404
        assert svc.client.get("/api/v1/reservations", headers=hb).json()["items"] == []
        assert (
            svc.client.post(
                f"/api/v1/reservations/{res['id']}/pickup", json={"pickup_code": res["pickup_code"]}, headers=hb
            ).status_code
            == 404
        )
        assert svc.client.post(f"/api/v1/reservations/{res['id']}/cancel", headers=hb).status_code == 404
        other = consumer_headers(svc, "c-other")
        assert svc.client.get(f"/api/v1/reservations/{res['id']}", headers=other).status_code == 404
        assert svc.client.post(f"/api/v1/reservations/{res['id']}/cancel", headers=other).status_code == 404
        assert svc.client.get("/api/v1/reservations", headers=other).json()["items"] == []
        assert (
            svc.client.get(f"/api/v1/reservations/{res['id']}", headers=clerk_headers(svc, a)).json()["status"]
            == "reserved"
        )
