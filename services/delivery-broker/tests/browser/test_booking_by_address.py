"""The booking page in zh-TW with addresses only: the merchant types addresses, sees what the
address lookup found and the quotes, and an unknown address is named in Chinese (Chromium)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from smartdist.testing.browser import live_server
from smartdist.testing.platform import ServiceUnderTest, service_under_test
from smartdist_delivery_broker.adapters.registry import PlatformRegistry
from smartdist_delivery_broker.app import DEFINITION
from smartdist_delivery_broker.config import Settings as BrokerPlatformSettings
from smartdist_delivery_broker.quotes.service import QuotingContext

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServiceUnderTest, str]]:
    tmp_path: Path = tmp_path_factory.mktemp("broker-address")
    with service_under_test(DEFINITION, f"sqlite:///{tmp_path / 'broker.db'}", None, tmp_path / "data") as svc:
        settings = BrokerPlatformSettings(sandbox_quote_latency_s=0, quote_deadline_s=1.0, geocoder="sandbox")
        svc.client.app.state.delivery_quoting = QuotingContext(PlatformRegistry(settings))
        with live_server(svc.client.app) as base:
            yield svc, base


def test_a_merchant_quotes_by_addresses_alone_in_zh_tw(page: Page, broker: tuple[ServiceUnderTest, str]) -> None:
    svc, base = broker
    tenant = svc.new_tenant()
    page.context.add_cookies([{"name": "smartdist_token", "value": svc.token(tenant, ["owner"]), "url": base}])
    page.goto(base + "/")
    expect(page.locator("input[name=pickup_lat]")).to_be_hidden()  # coordinates are the advanced part
    page.fill("input[name=pickup_address]", "台北市信義區市府路1號")
    page.fill("input[name=dropoff_address]", "100 臺北市中正區北平西路３號")
    page.click("#compare")
    expect(page.locator("#quotes tbody tr")).to_have_count(3)
    expect(page.locator("#pickup-found")).to_have_text("查到的位置：臺北市信義區市府路1號")
    expect(page.locator("#dropoff-found")).to_have_text("查到的位置：臺北市中正區北平西路3號")
    expect(page.locator("#distance")).to_contain_text("4.8 km")  # City Hall → Main Station
    expect(page.locator("#problem")).to_have_text("")

    page.fill("input[name=dropoff_address]", "月球路1號")
    page.click("#compare")
    problem = page.locator("#problem")
    expect(problem).to_have_text("送達地點 找不到地址「月球路1號」的位置，請檢查地址")
    assert not re.search(r"[A-Za-z]{4,}", problem.inner_text()), problem.inner_text()
    expect(page.locator("#dropoff-found")).to_be_hidden()
