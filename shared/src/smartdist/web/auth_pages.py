"""Pages know their user from the token cookie set at sign-in; without one they go to sign in."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse

from smartdist.auth.deps import optional_principal
from smartdist.problems import Unauthorized


def require_page_principal(request: Request) -> RedirectResponse | None:
    """None when a valid principal is attached to the request; else a redirect to sign-in."""
    try:
        principal = optional_principal(request)
    except Unauthorized:
        principal = None
    if principal is not None:
        return None
    here = request.url.path  # already includes the mount prefix (/dispatch/...) below the demo
    return RedirectResponse(f"/signin?next={quote(here)}", status_code=303)
