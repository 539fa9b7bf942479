"""The platform's pages in headless Chromium: console sign-in, a service's KPI page, and a
job's progress bar driven by the shared script."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from smartdist.config import PlatformSettings
from smartdist.console import DEMO_EMAIL, DEMO_PASSWORD
from smartdist.demo import build_demo_app
from smartdist.testing.browser import live_server
from smartdist.testing.platform import service_under_test
from smartdist.testing.sample import SAMPLE, SampleBase

pytestmark = pytest.mark.browser


def test_merchant_signs_in_and_enters_a_dispatch_baseline(page: Page, tmp_path: Path) -> None:
    app = build_demo_app(PlatformSettings(data_dir=tmp_path, log_json=False))
    with live_server(app) as base:
        page.goto(base + "/dispatch/kpi")
        expect(page).to_have_url(base + "/signin?next=/dispatch/kpi")
        page.fill("input[name=email]", DEMO_EMAIL)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("button[type=submit]")
        expect(page).to_have_url(base + "/dispatch/kpi")
        expect(page.locator("#kpi-table tbody tr")).to_have_count(2)
        expect(page.locator("#kpi-table tbody")).to_contain_text("planning_time_cut")
        page.fill("input[name=manual_planning_minutes_per_day]", "90")
        page.click("#baselines button")
        expect(page.locator("input[name=manual_planning_minutes_per_day]")).to_have_value("90")
        page.goto(base + "/?lang=en")
        expect(page.locator("h1")).to_contain_text("six smart-distribution solutions")
        expect(page.locator(".card")).to_have_count(6)


def test_job_progress_bar_follows_the_job_to_its_result(page: Page, tmp_path: Path) -> None:
    with service_under_test(SAMPLE, f"sqlite:///{tmp_path / 's.db'}", None, tmp_path / "d") as svc:
        SampleBase.metadata.create_all(svc.database.engine)
        tenant = svc.new_tenant()
        with live_server(svc.client.app) as base:
            page.context.add_cookies([{"name": "smartdist_token", "value": svc.token(tenant, ["clerk"]), "url": base}])
            for text in ("a", "b"):
                page.request.post(base + "/api/v1/notes", data={"text": text})
            page.goto(base + "/count")
            page.click("#start")
            expect(page.locator("#job")).to_have_attribute("data-status", "succeeded")
            expect(page.locator("#job progress")).to_have_attribute("value", "1")
            expect(page.locator("#answer")).to_have_text("notes: 2")
