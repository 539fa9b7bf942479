"""RFC 9457 problem details: domain errors carry their status and are rendered once.

Raise a :class:`Problem` subclass anywhere below the HTTP layer; the app factory installs
:func:`install_problem_handlers`, which renders it (and FastAPI's own validation and HTTP errors)
as ``application/problem+json``. A 500 is a bug: it is logged with the request id and answered
without internals.

Human texts follow the request's language (``?lang=``, cookie, ``Accept-Language``; zh-TW when
absent). A problem carries a stable ``code`` (``Unprocessable("English fallback",
code="dispatch.depot.missing", params={"depot": 3})``): ``detail`` is catalog key
``problem.<code>`` formatted with ``params``, else the English text given. An item of ``errors``
may carry ``code`` and ``params`` too: its ``message`` is catalog key ``error.<code>``. Pydantic's
validation errors are translated from their ``type`` (catalog ``validation.<type>``) and name the
field by its label (``field.<name>``).
"""

from __future__ import annotations

from typing import Any, ClassVar

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from smartdist.db import is_database_busy
from smartdist.web.i18n import Translator, translator_for

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
        code: str | None = None,
        params: dict[str, Any] | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.code = code
        self.params = dict(params or {})
        self.errors = errors
        self.headers = headers or {}
        self.extensions = extensions

    @classmethod
    def type_uri(cls) -> str:
        slug = cls.type_slug or _slug(cls.__name__)
        return TYPE_BASE + slug

    @classmethod
    def slug(cls) -> str:
        return cls.type_slug or _slug(cls.__name__)

    def to_body(self, instance: str | None = None, t: Translator | None = None) -> dict[str, Any]:
        """The problem+json body; with a translator, its human texts in the translator's language."""
        body: dict[str, Any] = {
            "type": self.type_uri(),
            "title": self.title if t is None else self.title_in(t),
            "status": self.status,
            "detail": self.detail if t is None else self.detail_in(t),
            "code": self.code or self.slug(),
        }
        if instance:
            body["instance"] = instance
        if self.errors is not None:
            body["errors"] = self.errors if t is None else [render_error(item, t) for item in self.errors]
        body.update(self.extensions)
        return body

    def detail_in(self, t: Translator) -> str:
        if not self.code:
            return self.detail
        return t.get(f"problem.{self.code}", self.detail, **self.params) or self.detail

    def title_in(self, t: Translator) -> str:
        """``problem.title.<slug>`` of the class that set this title (a subclass that only
        inherits ``Unprocessable``'s title shares its translation); the English title otherwise."""
        owner = next((k for k in type(self).__mro__ if "title" in vars(k)), type(self))
        slug = owner.slug() if isinstance(owner, type) and issubclass(owner, Problem) else self.slug()
        if owner is Problem and self.title != Problem.title:
            return t.get(f"problem.status.{self.status}") or self.title  # an HTTP error's phrase
        return t.get(f"problem.title.{slug}") or self.title


def render_error(item: dict[str, Any], t: Translator) -> dict[str, Any]:
    """One ``errors[]`` item with its ``message`` in the translator's language (``error.<code>``)."""
    code = item.get("code")
    if not isinstance(code, str) or not code:
        return item
    params = item.get("params") if isinstance(item.get("params"), dict) else {}
    fallback = item.get("message") if isinstance(item.get("message"), str) else code
    message = t.get(f"error.{code}", fallback, **(params or {})) or fallback
    return {**item, "message": message}


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
        "detail": {"type": "string", "description": "In the request's language (Accept-Language; zh-TW when absent)."},
        "code": {"type": "string", "description": "Stable machine code of the problem, the same in every language."},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["loc", "message"],
                "properties": {
                    "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
                    "row": {"type": ["integer", "null"]},
                    "column": {"type": ["string", "null"]},
                    "message": {"type": "string"},
                    "code": {"type": "string"},
                    "params": {"type": "object"},
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


def problem_response(problem: Problem, request: Request | None = None) -> Response:
    instance = str(request.url.path) if request is not None else None
    t = translator_for(request) if request is not None else None
    headers = dict(problem.headers)
    if t is not None:
        headers["Content-Language"] = t.lang
    body = problem.to_body(instance, t)
    if request is not None and wants_page(request):
        page = _problem_page(request, body, headers)
        if page is not None:
            return page
    return JSONResponse(body, status_code=problem.status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def wants_page(request: Request) -> bool:
    """A browser navigating to a page (a link, a GET form), not a script calling the API: it gets
    the problem as a page in its language instead of raw JSON."""
    if "/api/" in request.url.path or request.method not in ("GET", "HEAD"):
        return False
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "json" not in accept.split(",")[0]


def _problem_page(request: Request, body: dict[str, Any], headers: dict[str, str]) -> Response | None:
    pages = getattr(request.app.state, "pages", None)
    if pages is None:
        return None
    try:
        response: Response = pages.render(request, "problem.html", {"problem": body}, status_code=body["status"])
    except Exception:  # noqa: BLE001 - a page that cannot render must not hide the problem itself
        log.exception("problem_page_failed", path=request.url.path)
        return None
    response.headers.update(headers)
    return response


_LOCATIONS = {"body", "query", "path", "header", "cookie", "form"}


def validation_errors(exc: RequestValidationError, t: Translator | None = None) -> list[dict[str, Any]]:
    """FastAPI's validation errors as ``errors[]`` items: ``loc``, a stable ``code``
    (``validation.<type>``), its ``params`` and the ``message`` naming the field, in ``t``'s language."""
    t = t or Translator("en")
    errors = []
    for err in exc.errors():
        loc = list(err.get("loc", ()))
        kind = str(err.get("type", "invalid"))
        params = _plain_ctx(err.get("ctx") or {}, t)
        message = validation_message(t, kind, params, str(err.get("msg", "invalid")))
        name = _field_name(loc)
        if name is not None:
            message = t("validation.message", field=t.field(name), message=message)
        elif loc == ["body"]:
            message = t("validation.message", field=t("validation.body"), message=message)
        errors.append({"loc": loc, "code": f"validation.{kind}", "params": params, "message": message})
    return errors


def validation_message(t: Translator, kind: str, params: dict[str, Any], english: str) -> str:
    """A Pydantic error of type ``kind`` in ``t``'s language; its English text when no catalog knows it."""
    if kind in ("value_error", "assertion_error"):
        # A validator's own message: a catalog key (``raise ValueError("error.wms.sku.spaces")``) is
        # rendered; anything else is what the validator said.
        said = str(params.get("error", ""))
        keyed = t.get(said, None, **params) if said else None
        if keyed is not None:
            return keyed
        return said or english
    text = t.get(f"validation.{kind}", None, **params)
    if text is not None:
        return text
    return english if t.lang == "en" else t("validation.invalid")


def _field_name(loc: list[Any]) -> str | None:
    names = [str(part) for part in loc if isinstance(part, str)]
    if names and names[0] in _LOCATIONS:
        names = names[1:]
    return names[-1] if names else None


def _plain_ctx(ctx: dict[str, Any], t: Translator) -> dict[str, Any]:
    """Pydantic's ``ctx`` as JSON values (an exception becomes its text)."""
    out: dict[str, Any] = {}
    for key, value in ctx.items():
        if isinstance(value, bool | int | float | str) or value is None:
            out[key] = value
        else:
            out[key] = str(value)
    expected = out.get("expected")
    if isinstance(expected, str) and t.lang != "en":
        out["expected"] = expected.replace("' or '", "'、'").replace("', '", "'、'")
    return out


def validation_problem(errors: list[dict[str, Any]], t: Translator) -> Unprocessable:
    if not errors:
        return Unprocessable(t("validation.detail"), code="validation", errors=[])
    detail = errors[0]["message"]
    if len(errors) > 1:
        detail = t("validation.summary", first=detail, more=len(errors) - 1)
    return Unprocessable(detail, code="validation", errors=errors)


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> Response:
        return problem_response(exc, request)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        t = translator_for(request)
        return problem_response(validation_problem(validation_errors(exc, t), t), request)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        detail = str(exc.detail)
        # Starlette's own answers (an unknown path, a wrong method) say only the status phrase:
        # those have a translation; a detail a handler wrote itself is kept.
        code = f"http.{exc.status_code}" if detail == _http_title(exc.status_code) else None
        problem = Problem(detail, code=code, headers=dict(exc.headers or {}))
        problem.status = exc.status_code  # type: ignore[misc]
        problem.title = _http_title(exc.status_code)  # type: ignore[misc]
        return problem_response(problem, request)

    @app.exception_handler(OperationalError)
    async def _operational(request: Request, exc: OperationalError) -> Response:
        if is_database_busy(exc):
            # The busy timeout expired: the writer ahead of this one held SQLite's lock for too
            # long. Nothing was written; the client may simply try again.
            log.warning("database_busy", path=request.url.path)
            return problem_response(
                ServiceUnavailable(
                    "The database is busy; nothing was changed. Try again shortly.",
                    code="database.busy",
                    headers=BUSY_RETRY,
                ),
                request,
            )
        return await _unexpected(request, exc)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled_error", path=request.url.path)
        problem = Problem("An unexpected error occurred; it has been logged.", code="internal")
        problem.status = 500  # type: ignore[misc]
        problem.title = "Internal server error"  # type: ignore[misc]
        return problem_response(problem, request)


def _http_title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
