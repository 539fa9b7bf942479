"""Every app's OpenAPI says how to authenticate and how errors answer, and /docs works offline."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

import pytest
from fastapi import APIRouter, FastAPI, Header
from fastapi.testclient import TestClient

from smartdist.auth import OptionalPrincipal, Principal, require_roles
from smartdist.catalog import SERVICE_ORDER
from smartdist.config import PlatformSettings
from smartdist.console import IDENTITY
from smartdist.problems import PROBLEM_MEDIA_TYPE
from smartdist.runtime import ServiceRuntime
from smartdist.testing.fuzz import service_definition
from smartdist.web.app import create_service_app
from smartdist.web.deps import DbSession
from smartdist.web.openapi import BEARER_SECURITY, install_openapi

APPS = [*SERVICE_ORDER, "console"]
PUBLIC = {"/healthz", "/readyz", "/metrics"}


def _app(name: str, tmp_path: Path) -> FastAPI:
    definition = IDENTITY if name == "console" else service_definition(name)
    return create_service_app(ServiceRuntime(definition, PlatformSettings(data_dir=tmp_path)))


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method, path, op) for path, ops in document["paths"].items() for method, op in ops.items()]


@pytest.mark.parametrize("name", APPS)
def test_the_document_declares_bearer_auth_and_which_operations_need_it(name: str, tmp_path: Path) -> None:
    document = _app(name, tmp_path).openapi()
    scheme = document["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"], scheme["bearerFormat"]) == ("http", "bearer", "JWT")
    assert document["security"] == [{"bearerAuth": []}]
    operations = _operations(document)
    for method, path, op in operations:
        assert "security" in op, f"{method.upper()} {path} says nothing about authentication"
        if path in PUBLIC:
            assert op["security"] == [], f"{method.upper()} {path} is public"
    jobs = document["paths"]["/api/v1/jobs/{job_id}"]["get"]
    assert jobs["security"] == [{"bearerAuth": []}]
    assert any(op["security"] == [{"bearerAuth": []}] for _, _, op in operations)


@pytest.mark.parametrize("name", APPS)
def test_every_error_answer_is_a_documented_problem(name: str, tmp_path: Path) -> None:
    document = _app(name, tmp_path).openapi()
    problem = document["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail"}
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for method, path, op in _operations(document):
        label = f"{method.upper()} {path}"
        responses = op["responses"]
        if op["security"]:
            assert {"401", "403"} <= set(responses), label
        if op.get("parameters") or "requestBody" in op:
            assert "422" in responses, label
        if any(p["in"] == "path" for p in op.get("parameters", [])):
            assert "404" in responses, label
        for code, response in responses.items():
            if code.isdigit() and int(code) >= 400 and path != "/readyz":
                assert PROBLEM_MEDIA_TYPE in response.get("content", {}), f"{label} {code}"
    ready = document["paths"]["/readyz"]["get"]["responses"]
    assert "503" in ready


@pytest.mark.parametrize("name", APPS)
def test_swagger_ui_loads_from_the_project_itself(name: str, tmp_path: Path) -> None:
    client = TestClient(_app(name, tmp_path))
    page = client.get("/docs")
    assert page.status_code == 200
    html = page.text
    assert "SwaggerUIBundle" in html
    external = re.findall(r"""(?:src|href|url)\s*[=:]\s*['"]((?:https?:)?//[^'"]+)""", html)
    assert external == [], f"/docs loads from other hosts: {external}"
    assets = re.findall(r"""(?:src|href)=['"](/[^'"]+)""", html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    assert any(a.endswith("swagger-ui.css") for a in assets)
    for asset in assets:
        answer = client.get(asset)
        assert answer.status_code == 200, asset
        assert answer.content, asset
    assert client.get("/openapi.json").status_code == 200
    assert client.get("/redoc").status_code == 404  # no offline ReDoc bundle: off rather than blank


def test_docs_follow_the_mount_path_in_the_demo(tmp_path: Path) -> None:
    parent = FastAPI()
    parent.mount("/dispatch", _app("console", tmp_path))  # any app: the demo mounts each like this
    client = TestClient(parent)
    html = client.get("/dispatch/docs").text
    assert "/dispatch/static/vendor/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "'/dispatch/openapi.json'" in html
    assert client.get("/dispatch/static/vendor/swagger-ui-dist/swagger-ui-bundle.js").status_code == 200


def test_security_is_read_off_each_routes_dependencies() -> None:
    app = FastAPI()
    install_openapi(app)
    router = APIRouter(prefix="/api/v1")

    @router.get("/tracking/{code}")
    def track(code: str) -> dict[str, str]:
        return {}

    @router.get("/listings/{listing_id}")
    def listing(listing_id: int, principal: OptionalPrincipal) -> dict[str, str]:
        return {}

    @router.post("/orders")
    def order(session: DbSession) -> dict[str, str]:
        return {}

    @router.delete("/orders/{order_id}")
    def cancel(order_id: int, principal: Annotated[Principal, require_roles("dispatcher")]) -> dict[str, str]:
        return {}

    @router.post("/quotes", openapi_extra={"security": BEARER_SECURITY})
    def quote() -> dict[str, str]:
        return {}

    @router.post("/quotes/by-hand")
    def quote_by_hand(authorization: Annotated[str | None, Header()] = None) -> dict[str, str]:
        return {}

    app.include_router(router)
    paths = app.openapi()["paths"]
    assert paths["/api/v1/tracking/{code}"]["get"]["security"] == []
    assert "401" not in paths["/api/v1/tracking/{code}"]["get"]["responses"]
    assert paths["/api/v1/listings/{listing_id}"]["get"]["security"] == [{}, {"bearerAuth": []}]
    assert paths["/api/v1/orders"]["post"]["security"] == [{"bearerAuth": []}]
    assert {"401", "403", "409"} <= set(paths["/api/v1/orders"]["post"]["responses"])
    assert paths["/api/v1/orders/{order_id}"]["delete"]["security"] == [{"bearerAuth": []}]
    assert paths["/api/v1/quotes"]["post"]["security"] == [{"bearerAuth": []}]
    assert "401" in paths["/api/v1/quotes"]["post"]["responses"]
    by_hand = paths["/api/v1/quotes/by-hand"]["post"]
    assert by_hand["security"] == [{"bearerAuth": []}] and "parameters" not in by_hand
