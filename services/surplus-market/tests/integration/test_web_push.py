"""Web Push for favourites: the browser's subscription, VAPID-signed aes128gcm pushes sent after the
listing commits, decrypted by the sandbox push service, and expired subscriptions removed."""

from __future__ import annotations

import time
from typing import Any

from smartdist_surplus_market.app import DEFINITION
from smartdist_surplus_market.push import service as push

from ..conftest import TAIPEI_101, clerk_headers, consumer_headers, listing_body


def wait_for(check: Any, timeout_s: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


class ThroughTheApp:
    """The job's HTTP calls, sent to this app (its sandbox push service) by the TestClient."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def post(self, url: str, *, content: bytes, headers: dict[str, str], timeout: float) -> Any:
        return self.client.post(url, content=content, headers=headers)


def test_a_favourite_store_listing_is_pushed_and_an_expired_browser_is_dropped(service_factory) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        push.use_poster(ThroughTheApp(svc.client))
        try:
            t = svc.new_tenant()
            staff = clerk_headers(svc, t)
            svc.client.put("/api/v1/seller", json={"name": "好鄰居麵包坊", "location": TAIPEI_101}, headers=staff)
            key = svc.client.get("/api/v1/push/vapid-public-key")
            assert key.status_code == 200 and len(key.json()["public_key"]) == 87  # 65 bytes, base64url
            fan, other = consumer_headers(svc, "fan"), consumer_headers(svc, "other")
            assert svc.client.post("/api/v1/favourites", json={"seller_id": t}, headers=fan).status_code == 201
            # two browsers of the fan on the sandbox push service; one of someone who favours nobody
            browsers = [svc.client.post("/api/v1/push-sandbox/subscriptions", headers=fan).json() for _ in range(2)]
            stranger = svc.client.post("/api/v1/push-sandbox/subscriptions", headers=other).json()
            for browser, who in [(browsers[0], fan), (browsers[1], fan), (stranger, other)]:
                body = {"endpoint": browser["endpoint"], "expirationTime": None, "keys": browser["keys"]}
                r = svc.client.post("/api/v1/push/subscriptions?lang=en", json=body, headers=who)
                assert r.status_code == 201, r.text
            again = {"endpoint": browsers[0]["endpoint"], "keys": browsers[0]["keys"]}
            assert svc.client.post("/api/v1/push/subscriptions", json=again, headers=fan).status_code == 201
            mine = svc.client.get("/api/v1/push/subscriptions", headers=fan).json()["items"]
            assert len(mine) == 2 and {m["lang"] for m in mine} == {"en", "zh-TW"}  # re-subscribing keeps one row
            bad = {"endpoint": "https://push.example/x", "keys": {"p256dh": "A" * 87, "auth": "B" * 22}}
            refused = svc.client.post("/api/v1/push/subscriptions", json=bad, headers=fan)
            assert refused.status_code == 422 and refused.json()["code"] == "surplus.push.bad_keys"
            assert svc.client.post("/api/v1/push/subscriptions", json=again, headers=staff).status_code == 403

            listing = svc.client.post("/api/v1/listings", json=listing_body(title="可頌 croissant"), headers=staff)
            assert listing.status_code == 201
            got = [
                wait_for(
                    lambda b=b: svc.client.get(f"/api/v1/push-sandbox/{b['id']}/messages", headers=fan).json()["items"]
                )
                for b in browsers
            ]  # noqa: E501
            payloads = sorted((g[0]["payload"] for g in got), key=lambda p: p["title"])
            assert [p["title"] for p in payloads] == ["New from 好鄰居麵包坊", "好鄰居麵包坊 上架了新品"]
            assert all(p["listing_id"] == listing.json()["id"] and "可頌" in p["body"] for p in payloads)
            assert got[0][0]["ttl"] > 0 and got[0][0]["vapid_subject"].startswith("mailto:")
            assert (
                svc.client.get(f"/api/v1/push-sandbox/{stranger['id']}/messages", headers=other).json()["items"] == []
            )

            # a push nobody signed with this installation's key is refused by the push service
            forged = svc.client.post(
                browsers[0]["endpoint"], content=b"x", headers={"TTL": "60", "Content-Encoding": "aes128gcm"}
            )
            assert forged.status_code == 401

            # the second browser unsubscribed: its push service answers 410, the subscription goes
            assert svc.client.post(f"/api/v1/push-sandbox/{browsers[1]['id']}/expire", headers=fan).status_code == 204
            svc.client.post("/api/v1/listings", json=listing_body(title="吐司 toast"), headers=staff)
            assert wait_for(lambda: len(svc.client.get("/api/v1/push/subscriptions", headers=fan).json()["items"]) == 1)
            left = svc.client.get("/api/v1/push/subscriptions", headers=fan).json()["items"]
            assert left[0]["endpoint"] == browsers[0]["endpoint"] and left[0]["last_status"] == 201
            first = svc.client.get(f"/api/v1/push-sandbox/{browsers[0]['id']}/messages", headers=fan).json()["items"]
            assert len(first) == 2 and "吐司" in first[1]["payload"]["body"]
            # another consumer cannot drop the fan's browser
            assert svc.client.delete(f"/api/v1/push/subscriptions/{left[0]['id']}", headers=other).status_code == 404
            assert svc.client.delete(f"/api/v1/push/subscriptions/{left[0]['id']}", headers=fan).status_code == 204
        finally:
            push.use_poster(None)
