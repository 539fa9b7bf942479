"""Sign-in when every service has its own host name: a signed-out service page sends the browser
to the console's sign-in, which returns only to an allowed service URL and hands the token over
(the service on another host cannot read the console's cookie). Two live servers: the console
on 127.0.0.1, the service on localhost (a different cookie host), each on its own port."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest
from playwright.sync_api import Page, expect

from smartdist.auth.keys import generate_pem_pair
from smartdist.config import PlatformSettings
from smartdist.console import DEMO_EMAIL, DEMO_PASSWORD, IDENTITY, create_console_app
from smartdist.demo import ensure_demo_tenant
from smartdist.runtime import ServiceRuntime
from smartdist.testing.browser import live_server
from smartdist.testing.sample import SAMPLE
from smartdist.web.app import create_service_app


@dataclass
class Hosts:
    console: str
    service: str


@pytest.fixture
def hosts(tmp_path: Path) -> Iterator[Hosts]:
    pair = generate_pem_pair()
    settings = PlatformSettings(
        data_dir=tmp_path,
        run_background=False,
        log_json=False,
        auth_private_key=pair.private_pem,
        auth_public_key=pair.public_pem,
        jobs_backend="inprocess",
        bus_backend="embedded",
    )
    console_rt = ServiceRuntime(IDENTITY, settings)
    service_rt = ServiceRuntime(SAMPLE, settings)
    console_app = create_console_app(console_rt, [])
    with live_server(console_app) as console, live_server(create_service_app(service_rt), host="localhost") as service:
        # What SMARTDIST_CONSOLE_URL and SMARTDIST_SERVICE_URLS say in deploy/ (read per request).
        settings.console_url = console
        settings.service_urls = {"sample": service}
        ensure_demo_tenant(console_rt)
        yield Hosts(console, service)


def _hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, page
    return found.group(1).replace("&amp;", "&")


def test_signed_out_service_page_signs_in_at_the_console_and_comes_back(hosts: Hosts) -> None:
    with httpx.Client(follow_redirects=False, timeout=10) as browser:
        page = browser.get(f"{hosts.service}/kpi?lang=en")
        assert page.status_code == 303
        signin = page.headers["location"]
        assert signin.startswith(f"{hosts.console}/signin?next=")
        assert parse_qs(urlsplit(signin).query)["next"] == [f"{hosts.service}/kpi?lang=en"]

        form = browser.get(signin)
        assert form.status_code == 200 and _hidden(form.text, "next") == f"{hosts.service}/kpi?lang=en"
        signed_in = browser.post(
            f"{hosts.console}/signin",
            data={"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "next": _hidden(form.text, "next")},
        )
        # The token travels in a form POST to the service (never in a URL), which sets its own cookie.
        assert signed_in.status_code == 200 and "data-autosubmit" in signed_in.text
        assert signed_in.headers["cache-control"] == "no-store"
        action = re.search(r'<form method="post" action="([^"]+)"', signed_in.text)
        assert action and action.group(1) == f"{hosts.service}/signin/complete"
        handed = browser.post(
            action.group(1),
            data={"token": _hidden(signed_in.text, "token"), "next": _hidden(signed_in.text, "next")},
            headers={"Origin": hosts.console},
        )
        assert handed.status_code == 303 and handed.headers["location"] == "/kpi?lang=en"
        assert browser.get(f"{hosts.service}/kpi?lang=en").status_code == 200


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/kpi",
        "//evil.example/kpi",
        "http://localhost.evil.example/kpi",
        "javascript:alert(1)",
        "http://user@localhost/kpi",
    ],
)
def test_sign_in_refuses_to_return_anywhere_but_the_allowed_service_urls(hosts: Hosts, target: str) -> None:
    with httpx.Client(follow_redirects=False, timeout=10) as browser:
        form = browser.get(f"{hosts.console}/signin?next={quote(target, safe='')}")
        assert _hidden(form.text, "next") == "/"
        answer = browser.post(
            f"{hosts.console}/signin", data={"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "next": target}
        )
        assert answer.status_code == 303 and answer.headers["location"] == "/"


def test_the_service_takes_a_token_only_from_the_console_and_only_a_valid_one(hosts: Hosts) -> None:
    with httpx.Client(follow_redirects=False, timeout=10) as browser:
        form = browser.get(f"{hosts.console}/signin?next={quote(hosts.service + '/kpi', safe='')}")
        handoff = browser.post(
            f"{hosts.console}/signin",
            data={"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "next": _hidden(form.text, "next")},
        )
        token = _hidden(handoff.text, "token")
        complete = f"{hosts.service}/signin/complete"
        other_site = browser.post(
            complete, data={"token": token, "next": "/kpi"}, headers={"Origin": "https://evil.example"}
        )
        assert other_site.status_code == 403 and "smartdist_token" not in other_site.headers.get("set-cookie", "")
        no_origin = browser.post(complete, data={"token": token, "next": "/kpi"})
        assert no_origin.status_code == 403
        forged_token = token[:-4] + "AAAA"
        forged = browser.post(complete, data={"token": forged_token, "next": "/"}, headers={"Origin": hosts.console})
        assert forged.status_code == 401
        offsite_next = browser.post(
            complete, data={"token": token, "next": "https://evil.example/"}, headers={"Origin": hosts.console}
        )
        assert offsite_next.status_code == 303 and offsite_next.headers["location"] == "/"


@pytest.mark.browser
def test_in_chromium_the_merchant_lands_back_on_the_service_page_signed_in(hosts: Hosts, page: Page) -> None:
    page.goto(f"{hosts.service}/kpi?lang=en")
    expect(page).to_have_url(re.compile(re.escape(f"{hosts.console}/signin?next=")))
    page.fill("input[name=email]", DEMO_EMAIL)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    # The hand-over page posts itself (smartdist.js); the browser ends on the service, signed in.
    expect(page).to_have_url(f"{hosts.service}/kpi?lang=en")
    expect(page.locator("#kpi-table")).to_be_visible()
