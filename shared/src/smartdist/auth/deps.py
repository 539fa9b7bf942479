"""FastAPI dependencies: the request's principal, role checks."""

from __future__ import annotations

from typing import Annotated, Any

import structlog
from fastapi import Depends, Request

from smartdist.auth.tokens import Principal
from smartdist.problems import Forbidden, Unauthorized

TOKEN_COOKIE = "smartdist_token"


def _token_from(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise Unauthorized("Use 'Authorization: Bearer <token>'.", code="auth.bearer_scheme")
        return value.strip()
    # Pages send the token as a cookie set at sign-in; APIs use the header.
    return request.cookies.get(TOKEN_COOKIE)


def optional_principal(request: Request) -> Principal | None:
    token = _token_from(request)
    if token is None:
        return None
    principal: Principal = request.app.state.runtime.verifier.verify(token)
    request.state.principal = principal
    structlog.contextvars.bind_contextvars(tenant_id=principal.tenant_id, subject=principal.subject)
    return principal


def current_principal(principal: Annotated[Principal | None, Depends(optional_principal)]) -> Principal:
    if principal is None:
        raise Unauthorized(
            "No credentials: send 'Authorization: Bearer <token or API key>'.", code="auth.no_credentials"
        )
    return principal


def tenant_principal(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    """A principal that acts for a merchant (staff user or API key), not a consumer."""
    if principal.tenant_id is None or principal.kind == "consumer":
        raise Forbidden("This endpoint is for a merchant's staff or API keys.", code="auth.staff_only")
    return principal


OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]
CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
TenantPrincipal = Annotated[Principal, Depends(tenant_principal)]


def require_roles(*roles: str) -> Any:
    """``principal: Annotated[Principal, require_roles("dispatcher")]``; the owner always passes."""

    def check(principal: TenantPrincipal) -> Principal:
        if not principal.has_role(*roles):
            raise Forbidden(
                f"This needs one of the roles: {', '.join(roles)}.",
                code="auth.role",
                params={"roles": ", ".join(roles)},
            )
        return principal

    return Depends(check)
