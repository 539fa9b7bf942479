"""The broker's pages over HTTP on SQLite and PostgreSQL: sign-in gate, language, public tracking."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from smartdist.testing.platform import ServiceUnderTest
from smartdist_delivery_broker.adapters.registry import PlatformRegistry
from smartdist_delivery_broker.app import DEFINITION
from smartdist_delivery_broker.config import Settings as BrokerPlatformSettings
from smartdist_delivery_broker.quotes.service import QuotingContext


@pytest.fixture
def svc(service_factory) -> Iterator[ServiceUnderTest]:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as started:
        registry = PlatformRegistry(BrokerPlatformSettings(sandbox_quote_latency_s=0, quote_deadline_s=1.0))
        started.client.app.state.delivery_quoting = QuotingContext(registry)
        yield started


def test_merchant_pages_gate_on_sign_in_speak_zh_tw_by_default_and_check_the_refresh_interval(
    svc: ServiceUnderTest,
) -> None:
    for path in ("/", "/deliveries", "/deliveries/abc", "/own-fleet"):
        response = svc.client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == f"/signin?next={path}"

    headers = svc.headers(svc.new_tenant(), ["owner"])
    zh = svc.client.get("/", headers=headers)
    assert zh.status_code == 200
    assert "比較報價" in zh.text and "配送補助" in zh.text
    en = svc.client.get("/?lang=en", headers=headers)
    assert "Compare quotes" in en.text and "比較報價" not in en.text

    assert "每 10 秒自動更新" in svc.client.get("/deliveries?refresh_s=10&lang=zh-TW", headers=headers).text
    refused = svc.client.get("/deliveries?refresh_s=0", headers=headers)
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "refresh_s" in refused.text


def test_tracking_page_is_public_and_carries_no_merchant_navigation(svc: ServiceUnderTest) -> None:
    page = svc.client.get("/track/0123456789abcdef0123")
    assert page.status_code == 200
    assert "配送追蹤" in page.text
    assert "/docs" not in page.text and "/kpi" not in page.text
