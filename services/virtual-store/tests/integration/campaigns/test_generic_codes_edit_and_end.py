"""Generic (shared) codes within their total and per-customer limits, campaign edits, and ending a
campaign early, which stops claims and redemptions at once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from smartdist_virtual_store.app import DEFINITION

STAFF = ("clerk",)


def _campaign(svc: Any, h: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    r = svc.client.post("/api/v1/campaigns", headers=h, json=body)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def _redeem(svc: Any, h: dict[str, str], code: str, spend: int = 500, who: str | None = None) -> Any:
    body: dict[str, Any] = {"code": code, "spend": spend}
    if who is not None:
        body["customer_ref"] = who
    return svc.client.post("/api/v1/redemptions", headers=h, json=body)


def test_one_shared_code_many_customers_within_the_limits(service_factory, campaign_body, consumer_headers) -> None:
    with service_factory(DEFINITION) as svc:
        t = svc.new_tenant()
        h = svc.headers(t, STAFF)
        c = _campaign(svc, h, campaign_body(kind="amount", value=50, code_type="generic", code="spring-50",
                                            total_limit=3, per_customer_limit=2))  # fmt: skip
        assert c["code"] == "SPRING-50" and c["code_type"] == "generic" and c["redeemed_count"] == 0
        # the code is shown, not claimed; without who redeems, the per-customer limit cannot hold
        claim = svc.client.post(f"/api/v1/campaigns/{c['id']}/claims", headers=consumer_headers(svc))
        assert claim.status_code == 409 and claim.json()["shared_code"] == "SPRING-50"
        nobody = _redeem(svc, h, "spring-50")
        assert nobody.status_code == 422 and nobody.json()["errors"][0]["loc"] == ["body", "customer_ref"]
        first = _redeem(svc, h, "spring-50", who="0912-000-001")
        assert first.status_code == 201, first.text
        assert first.json()["coupon_id"] is None and first.json()["discount"] == 50
        assert _redeem(svc, h, "SPRING-50", who="0912-000-001").status_code == 201
        third = _redeem(svc, h, "SPRING-50", who="0912-000-001")
        assert third.status_code == 409 and third.json()["reason"] == "per_customer_limit"
        assert _redeem(svc, h, "SPRING-50", who="member-7").status_code == 201
        used_up = _redeem(svc, h, "SPRING-50", who="member-8")
        assert used_up.status_code == 409 and used_up.json()["reason"] == "total_limit"
        # a reversal gives the use back to the total and to that customer
        rev = svc.client.post(f"/api/v1/redemptions/{first.json()['id']}/reversal", headers=h)
        assert rev.status_code == 200
        assert _redeem(svc, h, "SPRING-50", who="member-8").status_code == 201
        got = svc.client.get(f"/api/v1/campaigns/{c['id']}", headers=h).json()
        assert got["redeemed_count"] == 3
        # codes are the merchant's own: taken ones are refused, another tenant's code is unknown here
        taken = svc.client.post(
            "/api/v1/campaigns", headers=h, json=campaign_body(code_type="generic", code="SPRING-50")
        )
        assert taken.status_code == 409 and taken.json()["errors"][0]["loc"] == ["body", "code"]
        other = svc.headers(svc.new_tenant(), STAFF)
        assert _redeem(svc, other, "SPRING-50", who="x").status_code == 404
        made = _campaign(svc, other, campaign_body(code_type="generic"))
        assert len(made["code"]) == 8 and made["per_customer_limit"] is None
        assert _redeem(svc, other, made["code"]).status_code == 201  # no per-customer limit: walk-ins too
        for bad in ({"code": "VS-ABCDE-FGHIJ", "code_type": "generic"}, {"code": "X1"}, {"code": "ABCD"}):
            r = svc.client.post("/api/v1/campaigns", headers=h, json=campaign_body(**bad))
            assert r.status_code == 422, (bad, r.text)


@pytest.mark.parametrize("db_backend", ["postgresql"], indirect=True)
def test_simultaneous_uses_of_a_shared_code_stop_at_the_limits(service_factory, campaign_body) -> None:
    with service_factory(DEFINITION) as svc:
        h = svc.headers(svc.new_tenant(), STAFF)
        c = _campaign(svc, h, campaign_body(code_type="generic", total_limit=4, per_customer_limit=1))
        barrier = threading.Barrier(8)
        statuses: list[int] = [0] * 8

        def run(i: int) -> None:
            barrier.wait()
            statuses[i] = _redeem(svc, h, c["code"], who=f"c{i % 6}").status_code  # c0 and c1 try twice

        threads = [threading.Thread(target=run, args=(i,)) for i in range(8)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(60)
        assert sorted(statuses) == [201] * 4 + [409] * 4, statuses
        assert svc.client.get(f"/api/v1/campaigns/{c['id']}", headers=h).json()["redeemed_count"] == 4


def test_edit_then_end_early_stops_claims_and_redemptions(service_factory, campaign_body, consumer_headers) -> None:
    with service_factory(DEFINITION) as svc:
        t = svc.new_tenant()
        h = svc.headers(t, STAFF)
        c = _campaign(svc, h, campaign_body(kind="amount", value=30, total_limit=5))
        shopper = consumer_headers(svc)
        codes = [
            svc.client.post(f"/api/v1/campaigns/{c['id']}/claims", headers=shopper).json()["code"] for _ in range(2)
        ]
        later = (datetime.now(UTC) + timedelta(days=30)).isoformat()
        edit = svc.client.patch(f"/api/v1/campaigns/{c['id']}", headers=h,
                                json={"name": "週年慶 anniversary", "min_spend": 100, "ends_at": later})  # fmt: skip
        assert edit.status_code == 200, edit.text
        assert edit.json()["name"] == "週年慶 anniversary" and edit.json()["min_spend"] == 100
        below = svc.client.patch(f"/api/v1/campaigns/{c['id']}", headers=h, json={"total_limit": 1})
        assert below.status_code == 422 and below.json()["errors"][0]["loc"] == ["body", "total_limit"]
        past = svc.client.patch(f"/api/v1/campaigns/{c['id']}", headers=h, json={"ends_at": "2020-01-01T00:00:00Z"})
        assert past.status_code == 422
        assert svc.client.patch(f"/api/v1/campaigns/{c['id']}", headers=h, json={"value": 1}).status_code == 422
        other = svc.headers(svc.new_tenant(), STAFF)
        assert svc.client.patch(f"/api/v1/campaigns/{c['id']}", headers=other, json={"name": "x"}).status_code == 404
        assert svc.client.post(f"/api/v1/campaigns/{c['id']}/end", headers=other).status_code == 404
        assert _redeem(svc, h, codes[0]).status_code == 201

        ended = svc.client.post(f"/api/v1/campaigns/{c['id']}/end", headers=h)
        assert ended.status_code == 200 and ended.json()["ended_at"] is not None
        claim = svc.client.post(f"/api/v1/campaigns/{c['id']}/claims", headers=shopper)
        assert claim.status_code == 409 and claim.json()["reason"] == "ended"
        late = _redeem(svc, h, codes[1])
        assert late.status_code == 409 and late.json()["reason"] == "expired"
        assert svc.client.post(f"/api/v1/campaigns/{c['id']}/end", headers=h).status_code == 409
        assert svc.client.patch(f"/api/v1/campaigns/{c['id']}", headers=h, json={"ends_at": later}).status_code == 409
        generic = _campaign(svc, h, campaign_body(code_type="generic"))
        assert svc.client.post(f"/api/v1/campaigns/{generic['id']}/end", headers=h).status_code == 200
        assert _redeem(svc, h, generic["code"]).json()["reason"] == "expired"
