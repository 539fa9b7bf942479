"""RFC 9457 problem details: domain errors carry their status and are rendered once.

Raise a :class:`Problem` subclass anywhere below the HTTP layer; the app factory installs
:func:`install_problem_handlers`, which renders it (and FastAPI's own validation and HTTP errors)
as ``application/problem+json``. A 500 is a bug: it is logged with the request id and answered
without internals.
"""

from __future__ import annotations

from typing import Any, ClassVar

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from smartdist.db import is_database_busy

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://smartdist.dev/problems/"

log = structlog.get_logger(__name__)
# How soon a client may retry after the database was busy (seconds, as Retry-After says).
BUSY_RETRY = {"Retry-After": "1"}


class Problem(Exception):
    status: ClassVar[int] = 400
    title: ClassVar[str] = "Bad request"
    type_slug: ClassVar[str | None] = None

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = errors
        self.headers = headers or {}
        self.extensions = extensions

    @classmethod
    def type_uri(cls) -> str:
        slug = cls.type_slug or _slug(cls.__name__)
        return TYPE_BASE + slug

    def to_body(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": self.type_uri(),
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        if self.errors is not None:
            body["errors"] = self.errors
        body.update(self.extensions)
        return body


def _slug(name: str) -> str:
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i:
            out.append("-")
        out.append(ch.lower())
    return "".join(out)


class BadRequest(Problem):
    status = 400
    title = "Bad request"


class Unauthorized(Problem):
    status = 401
    title = "Not authenticated"

    def __init__(self, detail: str | None = None, **kw: Any) -> None:
        kw.setdefault("headers", {"WWW-Authenticate": 'Bearer realm="smartdist"'})
        super().__init__(detail, **kw)


class Forbidden(Problem):
    status = 403
    title = "Not allowed"


class NotFound(Problem):
    status = 404
    title = "Not found"


class Conflict(Problem):
    status = 409
    title = "Conflict"


class Unprocessable(Problem):
    status = 422
    title = "Validation failed"


class ServiceUnavailable(Problem):
    status = 503
    title = "Service unavailable"


PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["loc", "message"],
                "properties": {
                    "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
                    "row": {"type": "integer"},
                    "column": {"type": "string"},
                    "message": {"type": "string"},
                },
            },
        },
    },
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries documenting RFC 9457 answers for the given statuses."""
    described = {
        400: "Bad request",
        401: "Not authenticated",
        403: "Not allowed",
        404: "Not found",
        409: "Conflict",
        422: "Validation failed",
        503: "Service unavailable",
    }
    return {
        status: {
            "description": described.get(status, "Problem"),
            "content": {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_SCHEMA}},
        }
        for status in statuses
    }


def problem_response(problem: Problem, request: Request | None = None) -> JSONResponse:
    instance = str(request.url.path) if request is not None else None
    return JSONResponse(
        problem.to_body(instance),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=problem.headers,
    )


def validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    errors = []
    for err in exc.errors():
        errors.append({"loc": list(err.get("loc", ())), "message": err.get("msg", "invalid")})
    return errors


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc, request)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = validation_errors(exc)
        first = errors[0] if errors else {"loc": [], "message": "invalid request"}
        detail = f"{'.'.join(str(p) for p in first['loc'])}: {first['message']}"
        if len(errors) > 1:
            detail += f" (and {len(errors) - 1} more)"
        return problem_response(Unprocessable(detail, errors=errors), request)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        problem = Problem(str(exc.detail), headers=dict(exc.headers or {}))
        problem.status = exc.status_code  # type: ignore[misc]
        problem.title = _http_title(exc.status_code)  # type: ignore[misc]
        return problem_response(problem, request)

    @app.exception_handler(OperationalError)
    async def _operational(request: Request, exc: OperationalError) -> JSONResponse:
        if is_database_busy(exc):
            # The busy timeout expired: the writer ahead of this one held SQLite's lock for too
            # long. Nothing was written; the client may simply try again.
            log.warning("database_busy", path=request.url.path)
            return problem_response(
                ServiceUnavailable("The database is busy; nothing was changed. Try again shortly.", headers=BUSY_RETRY),
                request,
            )
        return await _unexpected(request, exc)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled_error", path=request.url.path)
        problem = Problem("An unexpected error occurred; it has been logged.")
        problem.status = 500  # type: ignore[misc]
        problem.title = "Internal server error"  # type: ignore[misc]
        return problem_response(problem, request)


def _http_title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
