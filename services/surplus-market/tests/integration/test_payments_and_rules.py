"""Payments (authorise, capture, void), cancellation and no-show rules, fees and payouts, ratings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from smartdist_surplus_market.app import DEFINITION
from smartdist_surplus_market.reservations.models import Reservation
from smartdist_surplus_market.reservations.service import payments, settle_if_overdue

from ..conftest import TAIPEI_101, clerk_headers, consumer_headers, listing_body


def _listing(svc, tenant, **kw) -> str:  # type: ignore[no-untyped-def]
    r = svc.client.post("/api/v1/listings", json=listing_body(**kw), headers=clerk_headers(svc, tenant))
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _left(svc, lid: str) -> int:  # type: ignore[no-untyped-def]
    return int(svc.client.get(f"/api/v1/listings/{lid}").json()["quantity"])


def test_declined_payment_reserves_nothing(service_factory) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        t = svc.new_tenant()
        lid = _listing(svc, t, quantity=2)
        r = svc.client.post(
            "/api/v1/reservations",
            json={"listing_id": lid, "quantity": 2, "payment_token": "tok_declined"},
            headers=consumer_headers(svc),
        )
        assert r.status_code == 402, r.text
        assert _left(svc, lid) == 2
        assert svc.client.get("/api/v1/reservations", headers=clerk_headers(svc, t)).json()["items"] == []


def test_pickup_captures_and_payout_is_net_of_fees(service_factory) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        t = svc.new_tenant()
        lid = _listing(svc, t, quantity=4, list_price=95, markdown=[])
        me = consumer_headers(svc)
        res = svc.client.post("/api/v1/reservations", json={"listing_id": lid, "quantity": 3}, headers=me).json()
        staff = clerk_headers(svc, t)
        done = svc.client.post(
            f"/api/v1/reservations/{res['id']}/pickup", json={"pickup_code": res["qr_text"]}, headers=staff
        ).json()  # the QR's text works too
        assert done["status"] == "picked_up" and done["payment_status"] == "captured"
        sandbox = payments()
        assert 285 in sandbox.captured.values()  # type: ignore[attr-defined]
        statement = svc.client.get("/api/v1/payouts", headers=svc.headers(t)).json()
        # 10% of 285 = 28.5 -> 29 (half up)
        assert statement == {**statement, "transactions": 1, "gross_twd": 285, "fees_twd": 29, "net_twd": 256}
        assert svc.client.get("/api/v1/payouts", headers=staff).status_code == 403
        other = svc.client.get("/api/v1/payouts", headers=svc.headers(svc.new_tenant())).json()
        assert other["transactions"] == 0
        # rating once, after pickup
        rated = svc.client.post(f"/api/v1/reservations/{res['id']}/rating", json={"stars": 4}, headers=me)
        assert rated.status_code == 200 and rated.json()["rating"] == 4
        assert (
            svc.client.post(f"/api/v1/reservations/{res['id']}/rating", json={"stars": 5}, headers=me).status_code
            == 409
        )
        assert (
            svc.client.post(f"/api/v1/reservations/{res['id']}/rating", json={"stars": 9}, headers=me).status_code
            == 422
        )
        seller = svc.client.get(f"/api/v1/sellers/{t}").json()
        assert seller["rating"] == 4.0 and seller["ratings"] == 1


def test_cancellation_rules(service_factory) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        t = svc.new_tenant()
        now = datetime.now(UTC)
        later = _listing(
            svc,
            t,
            quantity=3,
            pickup_window=[(now + timedelta(hours=2)).isoformat(), (now + timedelta(hours=3)).isoformat()],
        )
        started = _listing(
            svc,
            t,
            quantity=3,
            pickup_window=[(now - timedelta(minutes=5)).isoformat(), (now + timedelta(hours=1)).isoformat()],
        )
        me = consumer_headers(svc)
        a = svc.client.post("/api/v1/reservations", json={"listing_id": later, "quantity": 2}, headers=me).json()
        assert _left(svc, later) == 1
        c = svc.client.post(f"/api/v1/reservations/{a['id']}/cancel", json={"reason": "plans changed"}, headers=me)
        assert c.status_code == 200 and c.json()["status"] == "cancelled" and c.json()["payment_status"] == "voided"
        assert _left(svc, later) == 3
        assert svc.client.post(f"/api/v1/reservations/{a['id']}/cancel", headers=me).status_code == 409
        b = svc.client.post("/api/v1/reservations", json={"listing_id": started, "quantity": 1}, headers=me).json()
        assert svc.client.post(f"/api/v1/reservations/{b['id']}/cancel", headers=me).status_code == 409
        by_store = svc.client.post(f"/api/v1/reservations/{b['id']}/cancel", headers=clerk_headers(svc, t))
        assert by_store.status_code == 200 and by_store.json()["status"] == "cancelled"
        assert _left(svc, started) == 3


def test_no_show_before_and_after_best_before(service_factory) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        t = svc.new_tenant()
        now = datetime.now(UTC)
        bb = now + timedelta(hours=10)
        lid = _listing(
            svc,
            t,
            quantity=4,
            best_before=bb.isoformat(),
            pickup_window=[(now - timedelta(hours=1)).isoformat(), (now + timedelta(hours=1)).isoformat()],
        )
        me = consumer_headers(svc)
        first = svc.client.post("/api/v1/reservations", json={"listing_id": lid, "quantity": 1}, headers=me).json()
        second = svc.client.post("/api/v1/reservations", json={"listing_id": lid, "quantity": 2}, headers=me).json()
        assert _left(svc, lid) == 1
        with svc.database.tenant_transaction(t) as s:
            # the window closed but best-before is still ahead: units back on sale, payment voided
            row = s.get(Reservation, first["id"])
            assert row is not None and settle_if_overdue(s, row, now + timedelta(hours=2))
            assert row.status == "no_show" and row.payment_status == "voided"
            # past best-before: nothing returns, the held goods are paid for
            row2 = s.get(Reservation, second["id"])
            assert row2 is not None and settle_if_overdue(s, row2, bb + timedelta(minutes=1))
            assert row2.status == "no_show" and row2.payment_status == "captured"
        assert _left(svc, lid) == 2
        seen = svc.client.get(f"/api/v1/reservations/{second['id']}", headers=me).json()
        assert seen["status"] == "no_show" and seen["qr_text"] is None


def test_favourite_seller_notifies_on_new_listing(service_factory) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        t, other = svc.new_tenant(), svc.new_tenant()
        staff = clerk_headers(svc, t)
        put = svc.client.put(
            "/api/v1/seller", json={"name": "好鄰居麵包坊", "kind": "bakery", "location": TAIPEI_101}, headers=staff
        )
        assert put.status_code == 200 and put.json()["name"] == "好鄰居麵包坊"
        assert svc.client.get(f"/api/v1/sellers/{other}").status_code == 404
        me, them = consumer_headers(svc, "fan"), consumer_headers(svc, "stranger")
        assert svc.client.post("/api/v1/favourites", json={"seller_id": other}, headers=me).status_code == 404
        fav = svc.client.post("/api/v1/favourites", json={"seller_id": t}, headers=me)
        assert fav.status_code == 201 and fav.json()["seller_name"] == "好鄰居麵包坊"
        assert svc.client.post("/api/v1/favourites", json={"seller_id": t}, headers=me).status_code == 201
        assert len(svc.client.get("/api/v1/favourites", headers=me).json()["items"]) == 1
        _listing(svc, t, title="可頌 croissant")
        _listing(svc, other)  # not a favourite
        notes = svc.client.get("/api/v1/notifications", headers=me).json()
        assert notes["unread"] == 1 and "可頌" in notes["items"][0]["text"]
        assert svc.client.get("/api/v1/notifications", headers=them).json() == {"items": [], "unread": 0}
        # a stranger cannot mark the fan's notices read
        ids = [n["id"] for n in notes["items"]]
        assert svc.client.post("/api/v1/notifications/read", json={"ids": ids}, headers=them).json()["marked"] == 0
        assert svc.client.post("/api/v1/notifications/read", json={"ids": ids}, headers=me).json()["marked"] == 1
        assert svc.client.get("/api/v1/notifications?unread=true", headers=me).json()["unread"] == 0
        assert svc.client.delete(f"/api/v1/favourites/{t}", headers=them).status_code == 404
        assert svc.client.delete(f"/api/v1/favourites/{t}", headers=me).status_code == 204
        assert svc.client.get("/api/v1/favourites", headers=staff).status_code == 403
        # tenant B's staff cannot change tenant A's profile: PUT /seller is always the caller's own
        svc.client.put("/api/v1/seller", json={"name": "B"}, headers=clerk_headers(svc, other))
        assert svc.client.get(f"/api/v1/sellers/{t}").json()["name"] == "好鄰居麵包坊"
