"""The OpenAPI every app serves, told truthfully, and Swagger UI served from the project's own files.

FastAPI's generated document says nothing about authentication and documents its own JSON
validation error, while the platform answers errors as RFC 9457 ``application/problem+json``.
:func:`install_openapi` post-processes the generated document once:

- ``components.securitySchemes.bearerAuth`` (HTTP bearer, JWT: staff and consumer tokens and API
  keys are all sent as ``Authorization: Bearer ...``), a global ``security``, and per operation the
  truth read off its dependencies: routes that need ``current_principal`` (``TenantPrincipal``,
  ``require_roles``, ``DbSession``...) require the token, routes with only ``optional_principal``
  take it if given, and routes with neither are public (``security: []``). A route that checks
  the token itself declares ``openapi_extra={"security": BEARER_SECURITY}`` (or takes the
  ``Authorization`` header as a parameter, which then counts as requiring it).
- every error answer as ``application/problem+json`` with one ``Problem`` schema; each operation
  documents the statuses the platform can give it (401/403 when secured, 404 with path
  parameters or on writes, 409 on writes, 422 with any input, 400 with a body), besides those it declares itself.

``/docs`` is Swagger UI from ``node_modules/swagger-ui-dist`` (``npm ci``), so the API documents
load without internet. ReDoc is off: it has no offline bundle here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Literal

from fastapi import FastAPI, Request, routing
from fastapi.dependencies.models import Dependant
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute

from smartdist.auth.deps import current_principal, optional_principal
from smartdist.problems import PROBLEM_MEDIA_TYPE

BEARER = "bearerAuth"
BEARER_SECURITY: list[dict[str, list[str]]] = [{BEARER: []}]
OPTIONAL_BEARER_SECURITY: list[dict[str, list[str]]] = [{}, {BEARER: []}]
SWAGGER_UI = "/static/vendor/swagger-ui-dist"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
WRITES = {"post", "put", "patch", "delete"}

Auth = Literal["required", "optional", "public"]

SECURITY_SCHEMES: dict[str, Any] = {
    BEARER: {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": (
            "A staff member's token (console: POST /api/v1/auth/token), a consumer's token "
            "(POST /api/v1/auth/consumers/token) or a tenant's API key (console: POST /api/v1/api-keys); "
            "all are sent as 'Authorization: Bearer <token>'. Roles: the owner passes every role check."
        ),
    }
}

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details; 'errors' names each bad field or row.",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": "A URI naming the kind of problem."},
        "title": {"type": "string", "description": "Short summary of the kind of problem."},
        "status": {"type": "integer", "description": "The HTTP status code."},
        "detail": {"type": "string", "description": "What went wrong in this request."},
        "instance": {"type": "string", "description": "The request path."},
        "errors": {
            "type": "array",
            "description": "One entry per bad field or row.",
            "items": {
                "type": "object",
                "required": ["loc", "message"],
                "properties": {
                    "loc": {
                        "type": "array",
                        "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                        "description": "Where: ['body', 'field'], ['query', 'name'], ['body', 'file']...",
                    },
                    "row": {"type": ["integer", "null"], "description": "The row of an imported file, from 1."},
                    "column": {"type": ["string", "null"], "description": "The column of an imported file."},
                    "message": {"type": "string"},
                },
            },
        },
    },
}

PROBLEM_DESCRIPTIONS = {
    400: "Bad request: the body could not be parsed",
    401: "Not authenticated: no, expired or revoked bearer token",
    403: "Not allowed: the token lacks the role, or is not a merchant's",
    404: "Not found",
    409: "Conflict with the current state (or an Idempotency-Key reused)",
    413: "Payload too large",
    422: "Validation failed: the problem's 'errors' name each field or row",
    502: "An upstream system refused",
    503: "Service unavailable",
}

READINESS_SCHEMA: dict[str, Any] = {
    "title": "Readiness",
    "type": "object",
    "required": ["status", "checks"],
    "properties": {
        "status": {"type": "string", "enum": ["ok", "unavailable"]},
        "checks": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}


def install_openapi(app: FastAPI) -> None:
    """Replace ``app.openapi`` with the documented one and serve ``/docs`` offline."""

    described: list[dict[str, Any]] = []

    def openapi() -> dict[str, Any]:
        # FastAPI regenerates its document when routes were added since; describe each one once.
        document = FastAPI.openapi(app)
        if not described or described[0] is not document:
            describe(document, app.routes)
            described[:] = [document]
        return document

    app.openapi = openapi  # type: ignore[method-assign]
    install_docs(app)


def install_docs(app: FastAPI) -> None:
    title = f"{app.title} - API"

    @app.get("/docs", include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        root = str(request.scope.get("root_path", "")).rstrip("/")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=title,
            swagger_js_url=f"{root}{SWAGGER_UI}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{SWAGGER_UI}/swagger-ui.css",
            swagger_favicon_url=f"{root}{SWAGGER_UI}/favicon-32x32.png",
            oauth2_redirect_url=f"{root}/docs/oauth2-redirect",
            # The online validator badge would call swagger.io.
            swagger_ui_parameters={"validatorUrl": None, "persistAuthorization": True},
        )

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()


def api_routes(routes: Iterable[Any]) -> Iterator[Any]:
    """Every API route with its effective path and dependencies (included routers nest in FastAPI)."""
    contexts = getattr(routing, "iter_route_contexts", None)
    for route in contexts(list(routes)) if contexts is not None else routes:
        if isinstance(getattr(route, "original_route", route), APIRoute):
            yield route


def route_auth(route: Any) -> Auth:
    calls = set(_dependency_calls(route.dependant))
    if current_principal in calls:
        return "required"
    if optional_principal in calls:
        return "optional"
    return "public"


def _dependency_calls(dependant: Dependant) -> Iterable[Callable[..., Any]]:
    for dep in dependant.dependencies:
        if dep.call is not None:
            yield dep.call
        yield from _dependency_calls(dep)


def describe(document: dict[str, Any], routes: Iterable[Any]) -> None:
    """Security and problem answers on a generated OpenAPI document, in place."""
    components = document.setdefault("components", {})
    components.setdefault("securitySchemes", {}).update(SECURITY_SCHEMES)
    schemas = components.setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    document["security"] = BEARER_SECURITY
    paths: dict[str, Any] = document.get("paths", {})
    for route in api_routes(routes):
        if not route.include_in_schema:
            continue
        for method in route.methods:
            operation = paths.get(route.path_format, {}).get(method.lower())
            if operation is not None:
                _describe_operation(operation, route, method.lower())
    _drop_unused_validation_schemas(document)
    _local_times(document)


def _describe_operation(operation: dict[str, Any], route: Any, method: str) -> None:
    auth = route_auth(route)
    # A route that reads the Authorization header itself checks the bearer token by hand: the
    # security scheme documents that header, so it is not listed twice as a parameter.
    parameters = operation.get("parameters", [])
    by_hand = [p for p in parameters if p.get("in") == "header" and p.get("name", "").lower() == "authorization"]
    if by_hand:
        auth = "required" if auth == "public" else auth
        operation["parameters"] = [p for p in parameters if p not in by_hand]
        if not operation["parameters"]:
            del operation["parameters"]
    if "security" not in operation:  # a route's own openapi_extra wins
        operation["security"] = {
            "required": BEARER_SECURITY,
            "optional": OPTIONAL_BEARER_SECURITY,
            "public": [],
        }[auth]
    secured = operation["security"] != []
    responses: dict[str, Any] = operation.setdefault("responses", {})
    if route.path_format == "/readyz":
        _describe_readiness(responses)
        return
    api = route.path_format.startswith("/api/")
    has_input = bool(operation.get("parameters")) or "requestBody" in operation
    has_path = any(p.get("in") == "path" for p in operation.get("parameters", []))
    statuses: set[int] = set()
    if secured:
        statuses |= {401, 403}
    if has_input:
        statuses.add(422)
    if "requestBody" in operation:
        statuses.add(400)  # a body that is not even JSON (or form data) is refused before validation
    if has_path or (api and method in WRITES and "requestBody" in operation):
        statuses.add(404)
    if api and method in WRITES:
        statuses.add(409)
    for status in statuses:
        responses.setdefault(str(status), {})
    for code, response in responses.items():
        if code.isdigit() and int(code) >= 400 and _is_problem_answer(response):
            response["description"] = _description(int(code), response)
            response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_REF}}


def _is_problem_answer(response: dict[str, Any]) -> bool:
    """No content, FastAPI's own validation error, or problem+json: the platform's handler answers."""
    content = response.get("content")
    if not content:
        return True
    if PROBLEM_MEDIA_TYPE in content:
        return True
    schema = content.get("application/json", {}).get("schema", {})
    return bool(schema.get("$ref", "").endswith("/HTTPValidationError"))


def _description(status: int, response: dict[str, Any]) -> str:
    given = str(response.get("description", ""))
    if given and given not in ("Validation Error", "Problem", "Additional Response"):
        return given
    return PROBLEM_DESCRIPTIONS.get(status, "Problem")


def _describe_readiness(responses: dict[str, Any]) -> None:
    readiness = {"application/json": {"schema": READINESS_SCHEMA}}
    responses["200"] = {"description": "The database and the bus are reachable", "content": readiness}
    responses["503"] = {"description": "The database or the bus is not reachable", "content": readiness}


def _drop_unused_validation_schemas(document: dict[str, Any]) -> None:
    """FastAPI's JSON validation error is never answered: every 422 is a Problem."""
    schemas: dict[str, Any] = document["components"]["schemas"]
    fastapi_own = ("HTTPValidationError", "ValidationError")
    rest = {k: v for k, v in document.items() if k != "components"}
    others = {k: v for k, v in schemas.items() if k not in fastapi_own}
    text = json.dumps([rest, others])
    if not any(f'"#/components/schemas/{name}"' in text for name in fastapi_own):
        for name in fastapi_own:
            schemas.pop(name, None)


# pydantic documents datetime.time as JSON Schema's "time", which is RFC 3339's full-time with
# a required offset; the platform answers local times ("08:00:00") and accepts either.
LOCAL_TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?(Z|[+-][01][0-9]:?[0-5][0-9])?$"


def _local_times(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("format") == "time" and node.get("type") == "string":
            del node["format"]
            node.setdefault("pattern", LOCAL_TIME_PATTERN)
            node.setdefault("examples", ["08:00:00"])
        for value in node.values():
            _local_times(value)
    elif isinstance(node, list):
        for value in node:
            _local_times(value)
