"""Use cases of the identity side: tenants, sign-in, users, API keys, revocation."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartdist.auth.revocation import REVOKED_EVENT
from smartdist.auth.tokens import ROLES, TokenSigner
from smartdist.bus.outbox import publish
from smartdist.db import utcnow
from smartdist.identity.models import ApiKey, ConsumerAccount, Tenant, UserAccount
from smartdist.problems import Conflict, NotFound, Unauthorized, Unprocessable

_hasher = PasswordHasher()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # Verifying against a dummy hash when the email is unknown keeps sign-in timing uniform.
    return _hasher.hash("not-a-real-password")


class EmailTaken(Conflict):
    title = "Email already registered"


@dataclass(frozen=True)
class NewTenant:
    tenant_id: str
    name: str
    owner_email: str
    owner_password: str
    api_key: str
    api_key_id: str


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise Unprocessable(
            "Password must have at least 8 characters.",
            code="identity.password_short",
            errors=[
                {"loc": ["body", "password"], "code": "identity.password_short", "message": "at least 8 characters"}
            ],
        )
    return _hasher.hash(password)


def _check_roles(roles: Iterable[str]) -> list[str]:
    roles = sorted(set(roles))
    unknown = [r for r in roles if r not in ROLES]
    if unknown or not roles:
        raise Unprocessable(
            f"Unknown roles: {', '.join(unknown)}" if unknown else "At least one role is needed.",
            code="identity.roles",
            params={"roles": ", ".join(sorted(ROLES))},
            errors=[
                {
                    "loc": ["body", "roles"],
                    "code": "identity.roles",
                    "params": {"roles": ", ".join(sorted(ROLES))},
                    "message": f"choose from {', '.join(sorted(ROLES))}",
                }
            ],
        )
    return roles


def create_tenant(
    session: Session,
    signer: TokenSigner,
    *,
    name: str,
    owner_email: str | None = None,
    owner_password: str | None = None,
) -> NewTenant:
    """A merchant with an owner account and an owner-level API key (``smartdist tenant create``)."""
    name = name.strip()
    if not name:
        raise Unprocessable("Tenant name is empty.", errors=[{"loc": ["name"], "message": "required"}])
    tenant = Tenant(name=name)
    session.add(tenant)
    session.flush()
    email = (owner_email or f"owner+{tenant.id[-8:]}@{tenant.id[-8:]}.smartdist.local").lower()
    password = owner_password or secrets.token_urlsafe(12)
    add_user(session, tenant_id=tenant.id, email=email, name=f"{name} owner", password=password, roles=["owner"])
    token, key_id = create_api_key(
        session, signer, tenant_id=tenant.id, name="owner key", roles=["owner"], created_by="cli"
    )
    return NewTenant(tenant.id, name, email, password, token, key_id)


def add_user(
    session: Session, *, tenant_id: str, email: str, name: str, password: str, roles: Iterable[str]
) -> UserAccount:
    email = email.strip().lower()
    if session.scalar(select(func.count()).select_from(UserAccount).where(UserAccount.email == email)):
        raise EmailTaken(f"{email} already has an account.", code="identity.email_taken", params={"email": email})
    user = UserAccount(email=email, name=name, password_hash=hash_password(password), roles=_check_roles(roles))
    user.tenant_id = tenant_id
    session.add(user)
    session.flush()
    return user


def create_api_key(
    session: Session, signer: TokenSigner, *, tenant_id: str, name: str, roles: Iterable[str], created_by: str
) -> tuple[str, str]:
    roles = _check_roles(roles)
    token, jti = signer.issue(
        kind="api_key", subject=f"key:{name}", tenant_id=tenant_id, roles=roles, ttl_s=None, name=name
    )
    key = ApiKey(id=jti, name=name, roles=roles, created_by=created_by)
    key.tenant_id = tenant_id
    session.add(key)
    session.flush()
    return token, jti


def revoke_api_key(session: Session, key_id: str) -> ApiKey:
    """Mark the key revoked and tell every service over the bus (they verify tokens offline)."""
    key = session.get(ApiKey, key_id)
    if key is None:
        raise NotFound(f"No API key '{key_id}'.", code="identity.api_key_missing", params={"key_id": key_id})
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        publish(
            session,
            type=REVOKED_EVENT,
            subject=key.id,
            data={"jti": key.id, "kind": "api_key"},
            tenant_id=key.tenant_id,
        )
    session.flush()
    return key


def sign_in(session: Session, signer: TokenSigner, *, email: str, password: str, ttl_s: int) -> tuple[str, UserAccount]:
    user = session.scalar(select(UserAccount).where(UserAccount.email == email.strip().lower()))
    if not _password_matches(user.password_hash if user else None, password) or user is None or not user.active:
        raise Unauthorized("Wrong email or password.", code="identity.wrong_password")
    token, _ = signer.issue(
        kind="user", subject=user.id, tenant_id=user.tenant_id, roles=user.roles, ttl_s=ttl_s, name=user.name
    )
    return token, user


def register_consumer(session: Session, *, email: str, name: str, password: str) -> ConsumerAccount:
    email = email.strip().lower()
    if session.scalar(select(ConsumerAccount).where(ConsumerAccount.email == email)) is not None:
        raise EmailTaken(f"{email} already has an account.", code="identity.email_taken", params={"email": email})
    consumer = ConsumerAccount(email=email, name=name, password_hash=hash_password(password))
    session.add(consumer)
    session.flush()
    return consumer


def consumer_sign_in(session: Session, signer: TokenSigner, *, email: str, password: str, ttl_s: int) -> str:
    consumer = session.scalar(select(ConsumerAccount).where(ConsumerAccount.email == email.strip().lower()))
    if not _password_matches(consumer.password_hash if consumer else None, password) or consumer is None:
        raise Unauthorized("Wrong email or password.", code="identity.wrong_password")
    token, _ = signer.issue(
        kind="consumer", subject=consumer.id, tenant_id=None, roles=["consumer"], ttl_s=ttl_s, name=consumer.name
    )
    return token


def _password_matches(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _dummy_hash(), password) and stored is not None
    except (VerifyMismatchError, InvalidHashError):
        return False
