"""Signed tokens (JWT, EdDSA) that carry tenant, subject and roles; verified offline."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

import jwt

from smartdist.problems import Unauthorized

ISSUER = "smartdist"
AUDIENCE = "smartdist"
ALGORITHM = "EdDSA"

ROLES = frozenset({"owner", "dispatcher", "driver", "warehouse", "clerk", "integrator"})
PrincipalKind = Literal["user", "api_key", "consumer", "service"]


@dataclass(frozen=True)
class Principal:
    """Who is calling: a person, an integrator's API key, a marketplace consumer or a service."""

    kind: PrincipalKind
    subject: str
    tenant_id: str | None
    roles: frozenset[str] = field(default_factory=frozenset)
    token_id: str = ""
    name: str = ""

    def has_role(self, *roles: str) -> bool:
        # The owner runs the business: every staff role check admits them.
        if self.kind == "consumer":
            return "consumer" in roles
        return "owner" in self.roles or bool(self.roles.intersection(roles))


class TokenSigner:
    def __init__(self, private_pem: str) -> None:
        self._key = private_pem

    def issue(
        self,
        *,
        kind: PrincipalKind,
        subject: str,
        tenant_id: str | None,
        roles: Iterable[str] = (),
        ttl_s: int | None,
        name: str = "",
        token_id: str | None = None,
    ) -> tuple[str, str]:
        """Return (token, jti). ``ttl_s=None`` makes a long-lived token (API keys), revocable by jti."""
        now = int(time.time())
        jti = token_id or uuid.uuid4().hex
        claims: dict[str, object] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": subject,
            "tid": tenant_id,
            "roles": sorted(roles),
            "knd": kind,
            "jti": jti,
            "iat": now,
        }
        if name:
            claims["name"] = name
        if ttl_s is not None:
            claims["exp"] = now + ttl_s
        return jwt.encode(claims, self._key, algorithm=ALGORITHM), jti


class TokenVerifier:
    def __init__(self, public_pem: str, is_revoked: Callable[[str], bool] = lambda jti: False) -> None:
        self._key = public_pem
        self._is_revoked = is_revoked

    def verify(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=ISSUER,
                options={"require": ["sub", "jti", "iat", "knd"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized("The token has expired; sign in again.", code="auth.token_expired") from None
        except jwt.InvalidTokenError as exc:
            raise Unauthorized(f"The token is not valid: {exc}.", code="auth.token_invalid") from None
        jti = str(claims["jti"])
        if self._is_revoked(jti):
            raise Unauthorized("The token has been revoked.", code="auth.token_revoked")
        kind = claims["knd"]
        if kind not in ("user", "api_key", "consumer", "service"):
            raise Unauthorized("The token is of an unknown kind.", code="auth.token_kind")
        return Principal(
            kind=kind,
            subject=str(claims["sub"]),
            tenant_id=claims.get("tid"),
            roles=frozenset(claims.get("roles") or ()),
            token_id=jti,
            name=str(claims.get("name", "")),
        )
