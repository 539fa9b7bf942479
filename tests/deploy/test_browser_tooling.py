"""The browser-test tooling works end to end: a live ASGI server and Debian's Chromium."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from playwright.sync_api import Page

# Harmless when the root conftest already registers it; keeps this module runnable on its own.
pytest_plugins = ["smartdist.testing.browser"]

GREETING_PAGE = """<!doctype html>
<html lang="zh-TW">
<head><meta charset="utf-8"><title>出貨確認</title></head>
<body>
  <p id="status">待出貨</p>
  <button id="ship" type="button">確認出貨</button>
  <script>
    document.getElementById("ship").addEventListener("click", () => {
      document.getElementById("status").textContent = "已出貨 " + navigator.language;
    });
  </script>
</body>
</html>
"""


def shipping_page_app() -> FastAPI:
    app = FastAPI()

    @app.get("/", response_class=HTMLResponse)
    def shipping_page() -> str:
        return GREETING_PAGE

    return app


@pytest.fixture
def shipping_site() -> Iterator[str]:
    # Imported here, not at module top, so pytest registers the plugin module (and rewrites
    # its asserts) before anything imports it.
    from smartdist.testing.browser import live_server

    with live_server(shipping_page_app()) as base_url:
        yield base_url


def test_live_server_serves_the_app_on_a_free_local_port(shipping_site: str) -> None:
    assert shipping_site.startswith("http://127.0.0.1:")
    response = httpx.get(shipping_site + "/")
    assert response.status_code == 200
    assert "確認出貨" in response.text


def test_live_server_stops_listening_when_the_block_ends() -> None:
    from smartdist.testing.browser import live_server

    with live_server(shipping_page_app()) as base_url:
        assert httpx.get(base_url + "/").status_code == 200
    try:
        httpx.get(base_url + "/", timeout=1.0)
        still_listening = True
    except httpx.ConnectError:
        still_listening = False
    assert not still_listening


@pytest.mark.browser
def test_clicking_the_button_runs_the_pages_script_in_chromium(page: Page, shipping_site: str) -> None:
    page.goto(shipping_site + "/")
    assert page.text_content("#status") == "待出貨"
    page.click("#ship")
    page.wait_for_function("document.getElementById('status').textContent !== '待出貨'")
    # The context's default locale (zh-TW) reaches the page's scripts.
    assert page.text_content("#status") == "已出貨 zh-TW"


# The next two tests run after the browser test above (pytest keeps file order): the session's
# Chromium must not leave asyncio believing a loop is running, and must still work afterwards.
def test_asyncio_runs_in_a_test_after_a_browser_test() -> None:
    async def count_shipments() -> int:
        await asyncio.sleep(0)
        return 3

    assert asyncio.run(count_shipments()) == 3


@pytest.mark.browser
def test_browser_still_drives_pages_after_asyncio_ran(page: Page, shipping_site: str) -> None:
    page.goto(shipping_site + "/")
    page.click("#ship")
    page.wait_for_function("document.getElementById('status').textContent !== '待出貨'")
    assert page.text_content("#status") == "已出貨 zh-TW"


def test_missing_chromium_is_reported_with_its_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from smartdist.testing import browser

    monkeypatch.setattr(browser, "CHROMIUM_EXECUTABLE", tmp_path / "no-chromium")
    reason = browser.chromium_missing_reason()
    assert reason is not None
    assert str(tmp_path / "no-chromium") in reason


def test_missing_chromium_fails_in_ci_instead_of_skipping(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from smartdist.testing.browser import browser_unavailable

    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="install-system-deps"):
        browser_unavailable("/usr/bin/chromium does not exist")


def test_missing_chromium_skips_on_a_developer_machine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from smartdist.testing.browser import browser_unavailable

    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="install-system-deps"):
        browser_unavailable("/usr/bin/chromium does not exist")
