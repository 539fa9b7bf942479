"""The landing page in zh-TW as a shop's shared PC meets it (issue 13 item 7): each service's live
state, sign-out on the console and on every service page (the session is revoked, not only the
cookie dropped), and the driver's sign-in when the driver app asks for one."""

from __future__ import annotations

import re
import time

import httpx
import pytest
from playwright.sync_api import Page, expect

from smartdist.catalog import SERVICE_ORDER

pytestmark = pytest.mark.browser


def test_landing_shows_live_states_and_sign_out_revokes_the_session(page: Page, demo_url: str) -> None:
    page.goto(demo_url + "/")
    cards = page.locator(".card")
    expect(cards).to_have_count(len(SERVICE_ORDER))
    for name in SERVICE_ORDER:
        expect(page.locator(f'.card[data-service="{name}"] .health')).to_have_attribute("data-state", "up")
        expect(page.locator(f'.card[data-service="{name}"] .health')).to_contain_text("狀態: 運作中")
    expect(page.locator(".card").first).not_to_contain_text("Route planning")  # summaries in zh-TW
    page.get_by_role("button", name="以示範店家身分登入").click()
    expect(page.locator("header")).to_contain_text("已登入")
    expect(page.get_by_role("button", name="以示範店家身分登入")).to_have_count(0)
    expect(page.locator("header a.signin")).to_have_count(0)
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "smartdist_token")
    bearer = {"Authorization": f"Bearer {token}"}
    assert httpx.get(f"{demo_url}/dispatch/api/v1/kpi/summary", headers=bearer).status_code == 200

    # A service page's header signs out too, and the browser comes back to the landing page.
    for name in SERVICE_ORDER:
        page.goto(f"{demo_url}/{name}/kpi")
        expect(page.locator("header form.signout button")).to_have_text("登出")
    page.locator("header form.signout button").click()
    expect(page).to_have_url(demo_url + "/")
    expect(page.locator("header a.signin")).to_have_text("登入")
    expect(page.locator("header form.signout")).to_have_count(0)
    # The token itself is revoked: a copy of it (another tab, a stolen cookie) no longer works.
    refused = httpx.get(f"{demo_url}/api/v1/tenant", headers=bearer)
    assert refused.status_code == 401 and refused.json()["code"] == "auth.token_revoked"
    deadline = time.monotonic() + 4.0  # the bus brings the revocation to the services (ADR 0003)
    while httpx.get(f"{demo_url}/dispatch/api/v1/kpi/summary", headers=bearer).status_code != 401:
        assert time.monotonic() < deadline, "dispatch still accepts the signed-out session"
        time.sleep(0.1)
    page.goto(f"{demo_url}/dispatch/kpi")
    expect(page).to_have_url(re.compile(r"/signin\?next=/dispatch/kpi$"))


def test_the_driver_app_asks_for_the_driver_sign_in(page: Page, demo_url: str) -> None:
    page.goto(demo_url + "/dispatch/driver")
    expect(page).to_have_url(re.compile(r"/signin\?next=/dispatch/driver"))
    expect(page.locator("h1")).to_have_text("司機登入")
    expect(page.locator("#signin input[name=email]")).to_have_value("driver@smartdist.local")
    page.locator("form.demo-login button").click()
    expect(page).to_have_url(demo_url + "/dispatch/driver")
    expect(page.locator("header form.signout button")).to_have_text("登出")


def test_an_empty_sign_in_is_answered_on_the_page_in_chinese(demo_url: str) -> None:
    answer = httpx.post(f"{demo_url}/signin", data={"next": "/dispatch/driver"})
    assert answer.status_code == 401 and answer.headers["content-type"].startswith("text/html")
    assert "電子郵件或密碼不正確" in answer.text and "司機登入" in answer.text
