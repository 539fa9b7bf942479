"""The one-process demo as a user meets it: landing page, six mounts, sign-in, API keys,
revocation reaching every service over the bus, the tenant CLI on the same data dir."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from smartdist.catalog import SERVICE_ORDER
from smartdist.config import PlatformSettings, get_platform_settings
from smartdist.console import DEMO_EMAIL, DEMO_PASSWORD
from smartdist.demo import build_demo_app


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One demo data dir for the module: starting six services is the slow part."""
    path = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SMARTDIST_DATA_DIR", str(path))
        for name in ("SMARTDIST_DATABASE_URL", "SMARTDIST_REDIS_URL"):
            mp.delenv(name, raising=False)
        get_platform_settings.cache_clear()
        yield path
    get_platform_settings.cache_clear()


@pytest.fixture(scope="module")
def demo(data_dir: Path) -> Iterator[TestClient]:
    settings = PlatformSettings(data_dir=data_dir, log_json=False)
    with TestClient(build_demo_app(settings), raise_server_exceptions=False) as client:
        yield client


def _sign_in(demo: TestClient) -> dict[str, str]:
    token = demo.post("/api/v1/auth/token", json={"email": DEMO_EMAIL, "password": DEMO_PASSWORD}).json()
    return {"Authorization": f"Bearer {token['access_token']}"}


def test_landing_page_links_every_service_and_they_are_up(demo: TestClient) -> None:
    page = demo.get("/")
    assert page.status_code == 200
    for name in SERVICE_ORDER:
        assert f'href="/{name}/"' in page.text and f'href="/{name}/docs"' in page.text
        for path in ("/healthz", "/readyz", "/docs", "/openapi.json", "/metrics", "/"):
            assert demo.get(f"/{name}{path}").status_code == 200, (name, path)
    assert page.text.count("status-up") == len(SERVICE_ORDER)


def test_demo_merchant_signs_in_and_reads_every_kpi_summary(demo: TestClient) -> None:
    headers = _sign_in(demo)
    for name in SERVICE_ORDER:
        summary = demo.get(f"/{name}/api/v1/kpi/summary", headers=headers)
        assert summary.status_code == 200, name
        assert len(summary.json()["kpis"]) >= 2 and "co2e_kg" in summary.json()
    seeded = demo.get("/wms/api/v1/kpi/baselines", headers=headers).json()
    assert all(row["value"] is not None for row in seeded), "the demo merchant's baselines are seeded"
    wrong = demo.post("/api/v1/auth/token", json={"email": DEMO_EMAIL, "password": "wrong-password"})
    assert wrong.status_code == 401 and wrong.headers["content-type"].startswith("application/problem+json")


def test_sign_in_page_sets_the_cookie_the_service_pages_use(demo: TestClient) -> None:
    assert demo.get("/dispatch/kpi", follow_redirects=False).status_code == 303
    r = demo.post(
        "/signin",
        data={"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "next": "/dispatch/kpi"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/dispatch/kpi"
    assert demo.get("/dispatch/kpi").status_code == 200
    offsite = demo.post(
        "/signin",
        data={"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "next": "https://evil.example/"},
        follow_redirects=False,
    )
    assert offsite.headers["location"] == "/"


# docs/adr/0003: a revocation reaches the process whose consumer records it within this bound
# (outbox relay poll + bus + one consumer transaction); replicas that did not consume the event
# add SMARTDIST_REVOCATION_REFRESH_S. The demo runs one process, so every service has the bound.
REVOCATION_BOUND_S = 2.0
MARGIN_S = 2.0  # two shared cores


def test_revoked_api_key_is_refused_by_every_service_within_the_documented_bound(demo: TestClient) -> None:
    owner = _sign_in(demo)
    created = demo.post("/api/v1/api-keys", json={"name": "erp", "roles": ["integrator"]}, headers=owner)
    assert created.status_code == 201
    key = {"Authorization": f"Bearer {created.json()['api_key']}"}
    assert demo.get("/forecast/api/v1/kpi/summary", headers=key).status_code == 200
    assert demo.delete(f"/api/v1/api-keys/{created.json()['id']}", headers=owner).status_code == 200
    revoked_at = time.monotonic()
    deadline = revoked_at + REVOCATION_BOUND_S + MARGIN_S
    refused_after: dict[str, float] = {}
    while time.monotonic() < deadline and len(refused_after) < len(SERVICE_ORDER):
        for name in SERVICE_ORDER:
            if name in refused_after:
                continue
            r = demo.get(f"/{name}/api/v1/kpi/summary", headers=key)
            if r.status_code == 401:
                assert r.json()["code"] == "auth.token_revoked"
                refused_after[name] = time.monotonic() - revoked_at
        time.sleep(0.05)
    print("revocation reached", {name: round(s, 2) for name, s in refused_after.items()})
    assert set(refused_after) == set(SERVICE_ORDER), refused_after
    # And it stays refused: no service forgets a revocation.
    assert all(demo.get(f"/{n}/api/v1/kpi/summary", headers=key).status_code == 401 for n in SERVICE_ORDER)


def test_integrator_key_cannot_manage_keys(demo: TestClient) -> None:
    owner = _sign_in(demo)
    key = demo.post("/api/v1/api-keys", json={"name": "erp"}, headers=owner).json()["api_key"]
    r = demo.post("/api/v1/api-keys", json={"name": "x"}, headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 403


def test_tenant_create_prints_json_and_its_key_works_on_the_running_demo(demo: TestClient, data_dir: Path) -> None:
    from smartdist.cli import main

    result = CliRunner().invoke(main, ["tenant", "create", "--name", "北區門市"])  # same data dir as the demo
    assert result.exit_code == 0, result.output
    created = json.loads(result.output.strip().splitlines()[-1])
    assert {"tenant_id", "api_key"} <= set(created)
    key = {"Authorization": f"Bearer {created['api_key']}"}
    for name in SERVICE_ORDER:
        assert demo.get(f"/{name}/api/v1/kpi/summary", headers=key).status_code == 200
    # The new tenant sees none of the demo tenant's KPI records.
    logs = demo.get("/dispatch/api/v1/kpi/logs", headers=key).text
    assert all(json.loads(line)["tenant_id"] == created["tenant_id"] for line in logs.splitlines())


def test_tenant_create_refuses_an_empty_name(data_dir: Path) -> None:
    from smartdist.cli import main

    result = CliRunner().invoke(main, ["tenant", "create", "--name", "  "])
    assert result.exit_code != 0 and "empty" in result.output


def test_standalone_console_links_services_at_their_configured_urls(tmp_path: Path) -> None:
    from smartdist.console import IDENTITY, create_console_app, standalone_links
    from smartdist.runtime import ServiceRuntime

    settings = PlatformSettings(
        data_dir=tmp_path, service_urls={"dispatch": "https://dispatch.shop.tw/"}, run_background=False
    )
    links = standalone_links(settings.service_urls)  # what `smartdist serve console` shows
    with TestClient(create_console_app(ServiceRuntime(IDENTITY, settings), links)) as console:
        page = console.get("/").text
    assert 'href="https://dispatch.shop.tw/docs"' in page and 'href="/forecast/"' in page
