"""SPEC §5 flow 5 across processes: a coupon claimed online in the virtual store and redeemed at
the counter is counted by the service's KPI summary at once and its redemption is in the KPI log;
the counter's retry (same Idempotency-Key) and a second scan redeem nothing twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from smartdist.db import new_id

from .conftest import Stack, ok

pytestmark = pytest.mark.slow
REDEEMED = "smartdist.virtual-store.coupon.redeemed"


def test_coupon_claimed_online_and_redeemed_once_is_counted_at_once(stack: Stack) -> None:
    tenant = new_id()
    store = stack.api("virtual-store")
    clerk = stack.headers(tenant, ("clerk",))
    now = datetime.now(UTC)
    campaign = ok(
        store.post(
            "/campaigns",
            headers=clerk,
            json={
                "name": "開幕九折",
                "kind": "percent",
                "value": 10,
                "starts_at": (now - timedelta(hours=1)).isoformat(),
                "ends_at": (now + timedelta(days=7)).isoformat(),
            },
        ),
        201,
    )
    shopper = stack.consumer_headers("consumer-flow5", "陳小姐")
    claim = ok(store.post(f"/campaigns/{campaign['id']}/claims", headers=shopper), 201)
    code = claim["code"]
    assert [c["status"] for c in ok(store.get("/wallet", headers=shopper))] == ["claimed"]

    counter = clerk | {"Idempotency-Key": f"pos-{code}"}
    redeemed = ok(store.post("/redemptions", json={"code": code, "spend": 500}, headers=counter), 201)
    retried = ok(store.post("/redemptions", json={"code": code, "spend": 500}, headers=counter), 201)
    assert retried["id"] == redeemed["id"] and redeemed["discount"] == 50 and redeemed["to_pay"] == 450
    second_scan = store.post("/redemptions", json={"code": code, "spend": 500}, headers=clerk)
    assert second_scan.status_code == 409
    other = stack.headers(new_id(), ("clerk",))
    assert store.post("/redemptions", json={"code": code, "spend": 500}, headers=other).status_code in (404, 409)

    kpis = {k["code"]: k for k in ok(store.get("/kpi/summary", headers=clerk))["kpis"]}
    assert kpis["views_and_redemptions"]["value"] == 1
    assert [s for _, no, s in stack.kpi("virtual-store", tenant) if no == code] == ["claimed", "redeemed"]
    (event,) = stack.outbox("virtual-store", tenant, REDEEMED)
    assert event.data["redemption_id"] == redeemed["id"] and event.data["coupon_id"] == claim["coupon_id"]
    log = store.get("/kpi/logs", params={"format": "csv"}, headers=clerk)
    assert log.status_code == 200 and code in log.text and "redeemed" in log.text
    assert [c["status"] for c in ok(store.get("/wallet", headers=shopper))] == ["redeemed"]
