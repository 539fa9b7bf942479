"""The console: sign-in, identity API and the landing page linking every service.

In the demo it is the root app and the six services are mounted below it; in production it is
one more deployment (``smartdist serve console``) and the only holder of the signing key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import RedirectResponse, Response

from smartdist.auth.deps import TOKEN_COOKIE
from smartdist.auth.tokens import TokenSigner
from smartdist.evidence.pages import evidence_pages
from smartdist.identity import service as identity
from smartdist.identity.api import router as identity_router
from smartdist.identity.models import IdentityBase
from smartdist.problems import Unauthorized
from smartdist.runtime import ServiceRuntime
from smartdist.service import ServiceDefinition
from smartdist.web.app import create_service_app
from smartdist.web.auth_pages import HANDOFF_PATH, origin_of, safe_local_path
from smartdist.web.pages import pages_of

DEMO_EMAIL = "demo@smartdist.local"
DEMO_PASSWORD = "demo-merchant"


@dataclass(frozen=True)
class ServiceLink:
    name: str
    title: str
    title_zh: str
    summary: str
    url: str
    runtime: ServiceRuntime | None = None

    def status(self) -> bool | None:
        if self.runtime is None:
            return None
        return all(v == "ok" for v in self.runtime.ready().values())


def console_pages() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    def landing(request: Request) -> Response:
        links: list[ServiceLink] = request.app.state.service_links
        return pages_of(request).render(
            request,
            "landing.html",
            {
                "links": links,
                "demo": request.app.state.demo_credentials,
            },
        )

    @router.get("/signin")
    def signin_form(request: Request, next: str = "/") -> Response:
        return pages_of(request).render(
            request,
            "signin.html",
            {"next": _safe_next(request, next), "demo": request.app.state.demo_credentials, "failed": False},
        )

    @router.post("/signin")
    def signin(
        request: Request,
        email: Annotated[str, Form()],
        password: Annotated[str, Form()],
        next: Annotated[str, Form()] = "/",
    ) -> Response:
        runtime: ServiceRuntime = request.app.state.runtime
        ttl = runtime.settings.access_token_ttl_s
        with runtime.database.system_transaction() as session:
            try:
                token, _ = identity.sign_in(
                    session, request.app.state.signer, email=email, password=password, ttl_s=ttl
                )
            except Unauthorized:
                return pages_of(request).render(
                    request,
                    "signin.html",
                    {"next": _safe_next(request, next), "demo": request.app.state.demo_credentials, "failed": True},
                    status_code=401,
                )
        target = _safe_next(request, next)
        if target.startswith("/"):
            response: Response = RedirectResponse(target, status_code=303)
        else:
            # A service on another host cannot read this site's cookie: post the token to it.
            parts = urlsplit(target)
            response = pages_of(request).render(
                request,
                "signin_handoff.html",
                {
                    "action": f"{origin_of(target)}{HANDOFF_PATH}",
                    "token": token,
                    "next_path": safe_local_path(parts.path + ("?" + parts.query if parts.query else "")),
                    "service_origin": origin_of(target),
                },
            )
            response.headers["Cache-Control"] = "no-store"
            # Not "no-referrer": with it the browser posts "Origin: null" and the service,
            # which accepts the hand-over from the console's origin only, would refuse it.
            response.headers["Referrer-Policy"] = "strict-origin"
        response.set_cookie(TOKEN_COOKIE, token, max_age=ttl, httponly=True, samesite="lax", path="/")
        return response

    @router.post("/signout")
    def signout() -> Response:
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(TOKEN_COOKIE, path="/")
        return response

    router.include_router(evidence_pages())
    return router


def _safe_next(request: Request, target: str) -> str:
    """Where sign-in may return: a path on this site, or a URL on one of the services' own
    origins (SMARTDIST_SERVICE_URLS). Anything else goes to the landing page: no open redirect."""
    if safe_local_path(target) == target:
        return target
    settings = request.app.state.runtime.settings
    allowed = {origin_of(url) for url in settings.service_urls.values()} - {""}
    if origin_of(target) in allowed and not urlsplit(target).username:
        return target
    return "/"


def standalone_links(urls: dict[str, str]) -> list[ServiceLink]:
    """Landing-page links when the services run apart: configured URLs, else ``/<name>`` behind one proxy."""
    from smartdist.catalog import service_definitions

    return [
        ServiceLink(d.name, d.title, d.title_zh, d.summary, urls.get(d.name, f"/{d.name}").rstrip("/"))
        for d in service_definitions().values()
    ]


IDENTITY = ServiceDefinition(
    name="identity",
    package="smartdist.identity",
    title="Console",
    title_zh="控制台",
    summary="Sign-in, tenants, staff accounts, API keys and the landing page of smartdist.",
    base=IdentityBase,
    routers=[identity_router],
    pages=console_pages(),
)


def create_console_app(
    runtime: ServiceRuntime,
    links: list[ServiceLink],
    *,
    manage_lifecycle: bool = True,
    demo_credentials: tuple[str, str] | None = None,
) -> FastAPI:
    if runtime.keys.private_pem is None:
        raise RuntimeError("the console signs tokens: SMARTDIST_AUTH_PRIVATE_KEY is required")
    app = create_service_app(runtime, manage_lifecycle=manage_lifecycle)
    app.state.signer = TokenSigner(runtime.keys.private_pem)
    app.state.service_links = links
    app.state.demo_credentials = demo_credentials
    return app
