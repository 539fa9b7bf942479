"""The coupon contract: campaigns, claims within window and limits, redemption exactly once, reversal."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from smartdist.kpi.models import KpiRecord
from smartdist_virtual_store.app import DEFINITION

STAFF = ("clerk",)


def _campaign(svc: Any, h: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    r = svc.client.post("/api/v1/campaigns", headers=h, json=body)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def _claim(svc: Any, campaign_id: str, headers: dict[str, str]) -> Any:
    return svc.client.post(f"/api/v1/campaigns/{campaign_id}/claims", headers=headers)


def test_claim_then_redeem_once_then_reverse_gives_the_coupon_back(
    service_factory, campaign_body, consumer_headers
) -> None:
    with service_factory(DEFINITION) as svc:
        t = svc.new_tenant()
        h = svc.headers(t, STAFF)
        c = _campaign(svc, h, campaign_body(kind="percent", value=15, min_spend=100))
        assert c["claimed_count"] == 0 and c["kind"] == "percent"
        claim = _claim(svc, c["id"], consumer_headers(svc))
        assert claim.status_code == 201, claim.text
        code = claim.json()["code"]
        assert set(claim.json()) >= {"coupon_id", "code"}
        below = svc.client.post("/api/v1/redemptions", headers=h, json={"code": code, "spend": 99})
        assert below.status_code == 422 and below.json()["errors"][0]["loc"] == ["body", "spend"]
        r = svc.client.post("/api/v1/redemptions", headers=h, json={"code": code.lower(), "spend": 333})
        assert r.status_code == 201, r.text
        red = r.json()
        assert red["discount"] == 50 and red["to_pay"] == 283  # 49.95 -> 50
        again = svc.client.post("/api/v1/redemptions", headers=h, json={"code": code, "spend": 333})
        assert again.status_code == 409 and again.json()["reason"] == "redeemed"
        wallet = svc.client.get("/api/v1/wallet", headers=consumer_headers(svc)).json()
        assert wallet[0]["status"] == "redeemed"
        rev = svc.client.post(f"/api/v1/redemptions/{red['id']}/reversal", headers=h)
        assert rev.status_code == 200 and rev.json()["status"] == "reversed"
        assert svc.client.post(f"/api/v1/redemptions/{red['id']}/reversal", headers=h).status_code == 409
        assert svc.client.get("/api/v1/wallet", headers=consumer_headers(svc)).json()[0]["status"] == "claimed"
        second = svc.client.post("/api/v1/redemptions", headers=h, json={"code": code, "spend": 1000})
        assert second.status_code == 201 and second.json()["discount"] == 150
        kpis = {k["code"]: k for k in svc.client.get("/api/v1/kpi/summary", headers=h).json()["kpis"]}
        assert kpis["views_and_redemptions"]["value"] == 1  # redeemed twice, reversed once
        with svc.database.tenant_transaction(t) as s:
            statuses = sorted(r.status for r in s.query(KpiRecord).filter(KpiRecord.doc_no == code))
        assert statuses == ["claimed", "redeemed", "redeemed", "reversed"]


def test_amount_discount_never_exceeds_the_spend(service_factory, campaign_body, consumer_headers) -> None:
    with service_factory(DEFINITION) as svc:
        t = svc.new_tenant()
        h = svc.headers(t, STAFF)
        c = _campaign(svc, h, campaign_body(kind="amount", value=500))
        code = _claim(svc, c["id"], consumer_headers(svc)).json()["code"]
        r = svc.client.post("/api/v1/redemptions", headers=h, json={"code": code, "spend": 120})
        assert r.status_code == 201 and r.json()["discount"] == 120 and r.json()["to_pay"] == 0


def test_claims_outside_the_window_or_past_a_limit_are_409(service_factory, campaign_body, consumer_headers) -> None:
    now = datetime.now(UTC)
    with service_factory(DEFINITION) as svc:
        t = svc.new_tenant()
        h = svc.headers(t, STAFF)
        future = _campaign(svc, h, campaign_body(starts_at=(now + timedelta(days=1)).isoformat()))
        past = _campaign(
            svc,
            h,
            campaign_body(
                starts_at=(now - timedelta(days=9)).isoformat(), ends_at=(now - timedelta(days=1)).isoformat()
            ),
        )
        assert _claim(svc, future["id"], consumer_headers(svc)).json()["reason"] == "not_started"
        assert _claim(svc, past["id"], consumer_headers(svc)).status_code == 409
        limited = _campaign(svc, h, campaign_body(total_limit=2, per_customer_limit=1))
        assert _claim(svc, limited["id"], consumer_headers(svc, "ann")).status_code == 201
        again = _claim(svc, limited["id"], consumer_headers(svc, "ann"))
        assert again.status_code == 409 and again.json()["reason"] == "per_customer_limit"
        assert _claim(svc, limited["id"], consumer_headers(svc, "bob")).status_code == 201
        full = _claim(svc, limited["id"], consumer_headers(svc, "cat"))
        assert full.status_code == 409 and full.json()["reason"] == "total_limit"
        assert svc.client.get(f"/api/v1/campaigns/{limited['id']}", headers=h).json()["claimed_count"] == 2


def test_bad_campaigns_are_422_naming_the_field(service_factory, campaign_body) -> None:
    with service_factory(DEFINITION) as svc:
        h = svc.headers(svc.new_tenant(), STAFF)
        for bad in (
            campaign_body(kind="percent", value=101),
            campaign_body(kind="amount", value=0),
            campaign_body(ends_at="2020-01-01T00:00:00+08:00"),
            campaign_body(starts_at="2026-01-01T00:00:00"),  # no offset
            campaign_body(total_limit=0),
            campaign_body(kind="bogo"),
            campaign_body(surprise=True),
            campaign_body(store_id="0" * 32),  # not a store of this tenant
        ):
            assert svc.client.post("/api/v1/campaigns", headers=h, json=bad).status_code == 422, bad


def test_idempotency_keys_replay_campaigns_claims_and_redemptions(
    service_factory, campaign_body, consumer_headers
) -> None:
    with service_factory(DEFINITION) as svc:
        t = svc.new_tenant()
        h = svc.headers(t, STAFF)
        key = {"Idempotency-Key": "k-1"}
        body = campaign_body()
        first = svc.client.post("/api/v1/campaigns", headers={**h, **key}, json=body)
        again = svc.client.post("/api/v1/campaigns", headers={**h, **key}, json=body)
        assert first.status_code == again.status_code == 201, (first.text, again.text)
        assert first.json()["id"] == again.json()["id"]
        cid = first.json()["id"]
        ann = {**consumer_headers(svc, "ann"), **key}
        c1, c2 = _claim(svc, cid, ann), _claim(svc, cid, ann)
        assert c1.status_code == c2.status_code == 201 and c1.json()["code"] == c2.json()["code"]
        bob = _claim(svc, cid, {**consumer_headers(svc, "bob"), **key})  # same key, another shopper
        assert bob.status_code == 201 and bob.json()["code"] != c1.json()["code"]
        r1 = svc.client.post(
            "/api/v1/redemptions", headers={**h, "Idempotency-Key": "r"}, json={"code": c1.json()["code"], "spend": 500}
        )
        r2 = svc.client.post(
            "/api/v1/redemptions", headers={**h, "Idempotency-Key": "r"}, json={"code": c1.json()["code"], "spend": 500}
        )
        assert r1.status_code == r2.status_code == 201 and r1.json()["id"] == r2.json()["id"]


def test_tenants_cannot_see_or_redeem_each_others_coupons(service_factory, campaign_body, consumer_headers) -> None:
    with service_factory(DEFINITION) as svc:
        a, b = svc.new_tenant(), svc.new_tenant()
        ha, hb = svc.headers(a, STAFF), svc.headers(b, STAFF)
        c = _campaign(svc, ha, campaign_body())
        code = _claim(svc, c["id"], consumer_headers(svc)).json()["code"]
        assert svc.client.get(f"/api/v1/campaigns/{c['id']}", headers=hb).status_code == 404
        assert svc.client.get("/api/v1/campaigns", headers=hb).json()["items"] == []
        assert svc.client.post("/api/v1/redemptions", headers=hb, json={"code": code, "spend": 500}).status_code == 404
        red = svc.client.post("/api/v1/redemptions", headers=ha, json={"code": code, "spend": 500}).json()
        assert svc.client.get(f"/api/v1/redemptions/{red['id']}", headers=hb).status_code == 404
        assert svc.client.post(f"/api/v1/redemptions/{red['id']}/reversal", headers=hb).status_code == 404


def test_staff_cannot_claim_and_consumers_cannot_redeem(service_factory, campaign_body, consumer_headers) -> None:
    with service_factory(DEFINITION) as svc:
        h = svc.headers(svc.new_tenant(), STAFF)
        c = _campaign(svc, h, campaign_body())
        assert _claim(svc, c["id"], h).status_code == 403
        code = _claim(svc, c["id"], consumer_headers(svc)).json()["code"]
        r = svc.client.post("/api/v1/redemptions", headers=consumer_headers(svc), json={"code": code, "spend": 1})
        assert r.status_code == 403


def _race(n: int, fn: Any) -> list[Any]:
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        results[i] = fn(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    return results


@pytest.mark.parametrize("db_backend", ["postgresql"], indirect=True)
def test_of_simultaneous_redemptions_of_one_code_exactly_one_succeeds(
    service_factory, campaign_body, consumer_headers
) -> None:
    with service_factory(DEFINITION) as svc:
        t = svc.new_tenant()
        h = svc.headers(t, STAFF)
        c = _campaign(svc, h, campaign_body(kind="amount", value=100))
        code = _claim(svc, c["id"], consumer_headers(svc)).json()["code"]

        def redeem(i: int) -> int:
            return int(svc.client.post("/api/v1/redemptions", headers=h, json={"code": code, "spend": 500}).status_code)

        for _ in range(3):
            statuses = _race(8, redeem)
            assert sorted(statuses) == [201] + [409] * 7, statuses
            red_id = svc.client.get("/api/v1/wallet", headers=consumer_headers(svc)).json()[0]
            assert red_id["status"] == "redeemed"
            # reverse it so the next round races again on the same code
            with svc.database.tenant_transaction(t) as s:
                from smartdist_virtual_store.redemptions.models import Redemption

                rid = s.query(Redemption).filter(Redemption.status == "redeemed").one().id
            assert svc.client.post(f"/api/v1/redemptions/{rid}/reversal", headers=h).status_code == 200


@pytest.mark.parametrize("db_backend", ["postgresql"], indirect=True)
def test_simultaneous_claims_never_pass_the_total_or_per_customer_limit(
    service_factory, campaign_body, consumer_headers
) -> None:
    with service_factory(DEFINITION) as svc:
        h = svc.headers(svc.new_tenant(), STAFF)
        c = _campaign(svc, h, campaign_body(total_limit=3))
        statuses = _race(10, lambda i: _claim(svc, c["id"], consumer_headers(svc, f"shopper-{i}")).status_code)
        assert sorted(statuses) == [201] * 3 + [409] * 7, statuses
        one_each = _campaign(svc, h, campaign_body(per_customer_limit=1))
        same = _race(6, lambda i: _claim(svc, one_each["id"], consumer_headers(svc, "greedy")).status_code)
        assert sorted(same) == [201] + [409] * 5, same
