"""Server-rendered pages: one Jinja environment per service over the shared base layout."""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import Response

from smartdist.auth.deps import TOKEN_COOKIE, optional_principal
from smartdist.problems import Unauthorized
from smartdist.web.i18n import LANG_COOKIE, Translator, language_for


def vendor_dir() -> Path | None:
    """Front-end libraries installed by ``npm ci`` at the repository root (node_modules)."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "node_modules"
        if candidate.is_dir():
            return candidate
    return None


def shared_static_dir() -> Path:
    return Path(str(resources.files("smartdist.web") / "static"))


def pages_of(request: Request) -> Pages:
    """The Pages of the app serving this request (each service has its own templates)."""
    pages: Pages = request.app.state.pages
    return pages


class Pages:
    def __init__(self, package: str | None, messages: Mapping[str, Mapping[str, str]], title: str = "") -> None:
        loaders: list[Any] = []
        if package:
            try:
                if (resources.files(package) / "templates").is_dir():
                    loaders.append(PackageLoader(package, "templates"))
            except ModuleNotFoundError:
                pass
        loaders.append(FileSystemLoader(str(Path(str(resources.files("smartdist.web") / "templates")))))
        env = Environment(loader=ChoiceLoader(loaders), autoescape=select_autoescape(["html"]))
        self.templates = Jinja2Templates(env=env)
        self.messages = messages
        self.title = title

    def render(
        self, request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200
    ) -> Response:
        lang = language_for(request)
        runtime = getattr(request.app.state, "runtime", None)
        translator = Translator(lang, self.messages)
        ctx = {
            "request": request,
            "t": translator,
            "lang": lang,
            "root": request.scope.get("root_path", ""),
            "service": LocalizedService(runtime.definition, translator) if runtime is not None else None,
            "principal": page_principal(request),
            "other_language_url": other_language_url(request, lang),
            **(context or {}),
        }
        response = self.templates.TemplateResponse(request, template, ctx, status_code=status_code)
        if request.query_params.get("lang") == lang:
            response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax")
        return response


def page_principal(request: Request) -> Any:
    """Who is signed in on this page (the header offers sign-out): the principal a page's own
    check attached, else the token cookie's, if it is still valid."""
    principal = getattr(request.state, "principal", None)
    if principal is not None or TOKEN_COOKIE not in request.cookies:
        return principal
    if getattr(getattr(request.app.state, "runtime", None), "verifier", None) is None:
        return None
    try:
        return optional_principal(request)
    except Unauthorized:
        return None


class LocalizedService:
    """A ServiceDefinition as templates read it: ``summary`` in the page's language (shared catalog
    ``service.<name>.summary``; the definition's English one otherwise), the rest as defined."""

    def __init__(self, definition: Any, t: Translator) -> None:
        self._definition = definition
        self._t = t

    def __getattr__(self, name: str) -> Any:
        return getattr(self._definition, name)

    @property
    def summary(self) -> str:
        return service_summary(self._definition.name, self._definition.summary, self._t)


def service_summary(name: str, english: str, t: Translator) -> str:
    if t.lang == "en":
        return english
    return t.get(f"service.{name}.summary") or english


def other_language_url(request: Request, lang: str) -> str:
    """This page in the other language, keeping the page's own query (a chosen store, a date)."""
    query = [(key, value) for key, value in request.query_params.multi_items() if key != "lang"]
    query.append(("lang", "en" if lang == "zh-TW" else "zh-TW"))
    return "?" + urlencode(query)
