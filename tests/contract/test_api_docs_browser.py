"""Swagger UI renders every operation in Chromium with every request to another host refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, Route, expect

from smartdist.testing.browser import live_server
from smartdist.testing.fuzz import console_under_test

pytestmark = pytest.mark.browser


def test_api_docs_render_without_internet(page: Page, tmp_path: Path) -> None:
    outside: list[str] = []

    def offline(route: Route) -> None:
        if route.request.url.startswith("http://127.0.0.1"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", offline)
    with (
        console_under_test(f"sqlite:///{tmp_path / 'c.db'}", None, tmp_path / "data") as svc,
        live_server(svc.client.app) as base,
    ):
        page.goto(base + "/docs")
        expect(page.locator(".swagger-ui .info .title")).to_contain_text("smartdist Console")
        expect(page.locator(".opblock-summary-path", has_text="/api/v1/auth/token")).to_be_visible()
        expect(page.locator("button.authorize")).to_be_visible()  # the bearerAuth scheme
    assert outside == []
