"""The console: sign-in, identity API and the landing page linking every service.

In the demo it is the root app and the six services are mounted below it; in production it is
one more deployment (``smartdist serve console``) and the only holder of the signing key.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlsplit

import httpx
from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import RedirectResponse, Response

from smartdist.auth.deps import TOKEN_COOKIE
from smartdist.auth.revocation import REVOKED_EVENT
from smartdist.auth.tokens import TokenSigner
from smartdist.bus.outbox import publish
from smartdist.evidence.pages import evidence_pages
from smartdist.identity import service as identity
from smartdist.identity.api import router as identity_router
from smartdist.identity.models import IdentityBase
from smartdist.problems import Unauthorized
from smartdist.runtime import ServiceRuntime
from smartdist.service import ServiceDefinition
from smartdist.web.app import create_service_app
from smartdist.web.auth_pages import HANDOFF_PATH, SIGNOUT_PATH, origin_of, safe_local_path
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
        """Up (its database and bus answer), down, or None when it cannot be asked from here."""
        if self.runtime is not None:
            try:
                return all(v == "ok" for v in self.runtime.ready().values())
            except Exception:  # noqa: BLE001 - a service whose check itself fails is down
                return False
        if not origin_of(self.url):
            return None  # a path behind the same proxy: the page asks it from the browser
        try:
            return httpx.get(self.url.rstrip("/") + "/readyz", timeout=HEALTH_TIMEOUT_S).status_code == 200
        except httpx.HTTPError:
            return False


HEALTH_TIMEOUT_S = 1.5


def service_states(links: list[ServiceLink]) -> dict[str, bool | None]:
    """Every service's live state, asked at once (a slow one costs the page its timeout, not six)."""
    with ThreadPoolExecutor(max_workers=max(1, len(links))) as pool:
        return dict(zip((link.name for link in links), pool.map(ServiceLink.status, links), strict=True))


def demo_logins_for(request: Request, next_path: str) -> list[tuple[str, str, str]]:
    """The demo's other accounts (a driver) whose app ``next_path`` leads to: a service's
    ``demo_logins`` entry names its page in parentheses, "司機 Driver (/dispatch/driver)"."""
    if request.app.state.demo_credentials is None:
        return []
    found: list[tuple[str, str, str]] = []
    for link in request.app.state.service_links:
        if link.runtime is None:
            continue
        for login in link.runtime.definition.extra.get("demo_logins", []):
            email, password, label = login[0], login[1], login[2]
            page = label[label.find("(") + 1 : label.rfind(")")] if "(" in label else ""
            if page and next_path.split("?")[0].startswith(page):
                found.append((email, password, label[: label.find("(")].strip()))
    return found


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
                "states": service_states(links),
                "demo": request.app.state.demo_credentials,
            },
        )

    @router.get("/signin")
    def signin_form(request: Request, next: str = "/") -> Response:
        return _signin_page(request, next, failed=False)

    @router.post("/signin")
    def signin(
        request: Request,
        email: Annotated[str, Form(max_length=320)] = "",
        password: Annotated[str, Form(max_length=1024)] = "",
        next: Annotated[str, Form(max_length=4096)] = "/",
    ) -> Response:
        runtime: ServiceRuntime = request.app.state.runtime
        ttl = runtime.settings.access_token_ttl_s
        with runtime.database.system_transaction() as session:
            try:
                token, _ = identity.sign_in(
                    session, request.app.state.signer, email=email, password=password, ttl_s=ttl
                )
            except Unauthorized:
                return _signin_page(request, next, failed=True)
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

    @router.post(SIGNOUT_PATH)
    def signout(request: Request, token: Annotated[str, Form(max_length=8192)] = "") -> Response:
        """Sign out: the session's token is revoked everywhere (a shared shop PC keeps no one
        signed in) and the cookie deleted. A service on another host posts its cookie's token here."""
        runtime: ServiceRuntime = request.app.state.runtime
        revoke_session(runtime, token or request.cookies.get(TOKEN_COOKIE) or "")
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(TOKEN_COOKIE, path="/")
        return response

    router.include_router(evidence_pages())
    return router


def _signin_page(request: Request, next: str, *, failed: bool) -> Response:
    target = _safe_next(request, next)
    logins = demo_logins_for(request, urlsplit(target).path or "/")
    return pages_of(request).render(
        request,
        "signin.html",
        {
            "next": target,
            "demo": request.app.state.demo_credentials,
            "demo_logins": logins,
            "driver": "/driver" in (urlsplit(target).path or ""),
            "failed": failed,
        },
        status_code=401 if failed else 200,
    )


def revoke_session(runtime: ServiceRuntime, token: str) -> None:
    """Revoke a signed-in user's token: the console refuses it at once, every service once the
    bus brings the event (ADR 0003). An expired, forged or already revoked token needs nothing."""
    if not token:
        return
    try:
        principal = runtime.verifier.verify(token)
    except Unauthorized:
        return
    if principal.kind == "api_key" or not principal.token_id:
        return  # API keys are revoked by their owner on the API, not by a browser signing out
    with runtime.database.system_transaction() as session:
        publish(
            session,
            type=REVOKED_EVENT,
            subject=principal.token_id,
            data={"jti": principal.token_id, "kind": "session"},
            tenant_id=principal.tenant_id,
        )
    runtime.revocations.add_local(principal.token_id)


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
