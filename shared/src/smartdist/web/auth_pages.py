"""Pages know their user from the token cookie set at sign-in; without one they go to sign in.

In the demo (one origin) the console's ``/signin`` sets the cookie every service reads. When the
services run on their own hosts (``SMARTDIST_CONSOLE_URL`` and ``SMARTDIST_SERVICE_URLS`` set), a
signed-out page sends the browser to the console's sign-in with its own absolute URL as ``next``;
the console accepts only the origins of those URLs and hands the token back by a form POST to
``/signin/complete`` on the service, which sets the service's own cookie. See docs/adr/0005.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from smartdist.auth.deps import TOKEN_COOKIE, optional_principal
from smartdist.problems import Forbidden, Unauthorized

HANDOFF_PATH = "/signin/complete"
SIGNOUT_PATH = "/signout"


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of an absolute URL, lower-cased; '' for anything else."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc}".lower()


def require_page_principal(request: Request) -> RedirectResponse | None:
    """None when a valid principal is attached to the request; else a redirect to sign-in."""
    try:
        principal = optional_principal(request)
    except Unauthorized:
        principal = None
    if principal is not None:
        return None
    return RedirectResponse(signin_url(request), status_code=303)


def signin_url(request: Request) -> str:
    """The console's sign-in page, coming back here afterwards."""
    runtime = request.app.state.runtime
    console = (runtime.settings.console_url or "").rstrip("/")
    here = request.url.path  # already includes the mount prefix (/dispatch/...) below the demo
    if request.url.query:
        here += "?" + request.url.query
    if not console or origin_of(console) == _own_origin(request):
        return f"/signin?next={quote(here)}"
    return f"{console}/signin?next={quote(public_url(request, here), safe='')}"


def public_url(request: Request, path: str) -> str:
    """This service's public address of ``path``: its SMARTDIST_SERVICE_URLS entry, else the URL
    the request came to (right when no proxy rewrites the host)."""
    runtime = request.app.state.runtime
    base: str | None = runtime.settings.service_urls.get(runtime.name)
    if base:
        return base.rstrip("/") + path
    return f"{_own_origin(request)}{path}"


def _own_origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}".lower()


def safe_local_path(target: str) -> str:
    """Only a path on this site: never an open redirect."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def console_signout_url(request: Request) -> str:
    """Where the console signs out: its own ``/signout`` on this site, or on the console's host."""
    runtime = request.app.state.runtime
    console = (runtime.settings.console_url or "").rstrip("/")
    if not console or origin_of(console) == _own_origin(request):
        return SIGNOUT_PATH
    return f"{console}{SIGNOUT_PATH}"


def handoff_router() -> APIRouter:
    """``POST /signin/complete`` on every service: the console's sign-in hands the token over;
    ``POST /signout`` from a service's page header signs out at the console."""
    router = APIRouter(include_in_schema=False)

    @router.post(SIGNOUT_PATH)
    def signout(request: Request) -> Response:
        """This service's cookie is deleted and the console revokes the token: on the same site by
        a redirect that keeps the POST, on another host by posting the token to it."""
        token = request.cookies.get(TOKEN_COOKIE) or ""
        target = console_signout_url(request)
        response: Response
        if target == SIGNOUT_PATH:
            response = RedirectResponse(SIGNOUT_PATH, status_code=307)  # the console shares the cookie
        else:
            pages = request.app.state.pages
            response = pages.render(request, "signout_handoff.html", {"action": target, "token": token})
            response.headers["Cache-Control"] = "no-store"
            response.headers["Referrer-Policy"] = "strict-origin"
            response.delete_cookie(TOKEN_COOKIE, path="/")
        return response

    @router.post(HANDOFF_PATH)
    def complete_signin(
        request: Request, token: Annotated[str, Form(max_length=8192)], next: Annotated[str, Form()] = "/"
    ) -> Response:
        runtime = request.app.state.runtime
        console = origin_of(runtime.settings.console_url or "")
        # Only the console's own page may post here (browsers send Origin on every form POST):
        # another site cannot sign a visitor into the attacker's account.
        if not console or (request.headers.get("origin") or "").lower() != console:
            raise Forbidden("Sign-in hand-over is accepted from the console only.", code="auth.handoff_origin")
        principal = runtime.verifier.verify(token)  # Unauthorized (401) if forged, expired, revoked
        request.state.principal = principal
        response = RedirectResponse(safe_local_path(next), status_code=303)
        response.set_cookie(
            TOKEN_COOKIE,
            token,
            max_age=runtime.settings.access_token_ttl_s,  # the token's own expiry still applies
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
            path="/",
        )
        return response

    return router
