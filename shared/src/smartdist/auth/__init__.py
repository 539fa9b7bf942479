"""Who is calling and what they may do: signed tokens, API keys, roles, tenant of the request."""

from smartdist.auth.deps import CurrentPrincipal, OptionalPrincipal, TenantPrincipal, require_roles
from smartdist.auth.tokens import ROLES, Principal, TokenSigner, TokenVerifier

__all__ = [
    "ROLES",
    "CurrentPrincipal",
    "OptionalPrincipal",
    "Principal",
    "TenantPrincipal",
    "TokenSigner",
    "TokenVerifier",
    "require_roles",
]
