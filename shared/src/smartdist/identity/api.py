"""Sign-in, consumers, users and API keys (served by the console)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, ConfigDict, EmailStr, Field
from sqlalchemy import select

from smartdist.auth import Principal, TenantPrincipal, require_roles
from smartdist.identity import service
from smartdist.identity.models import ApiKey, Tenant, UserAccount
from smartdist.problems import problem_responses
from smartdist.web.deps import DbSession, SystemDbSession

router = APIRouter(tags=["identity"])
Owner = Annotated[Principal, require_roles("owner")]


class Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=200)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class ConsumerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: EmailStr
    name: str = Field("", max_length=200)
    password: str = Field(min_length=8, max_length=200)


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: EmailStr
    name: str = Field("", max_length=200)
    password: str = Field(min_length=8, max_length=200)
    roles: list[str] = Field(min_length=1, description="owner, dispatcher, driver, warehouse, clerk, integrator")


class UserOut(BaseModel):
    id: str
    email: str
    name: str
    roles: list[str]
    active: bool


class ApiKeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    roles: list[str] = Field(default=["integrator"], min_length=1)


class ApiKeyOut(BaseModel):
    id: str
    name: str
    roles: list[str]
    created_at: str
    revoked_at: str | None = None
    api_key: str | None = Field(None, description="Shown once, when the key is created.")


def _ttl(request: Request) -> int:
    return int(request.app.state.runtime.settings.access_token_ttl_s)


def _signer(request: Request):  # type: ignore[no-untyped-def]
    return request.app.state.signer


@router.post("/auth/token", response_model=TokenOut, responses=problem_responses(401))
def issue_token(body: Credentials, request: Request, session: SystemDbSession) -> TokenOut:
    """Sign in a merchant's staff member with email and password; returns a short-lived token."""
    token, _ = service.sign_in(session, _signer(request), email=body.email, password=body.password, ttl_s=_ttl(request))
    return TokenOut(access_token=token, expires_in=_ttl(request))


@router.post("/auth/consumers", status_code=status.HTTP_201_CREATED)
def register_consumer(body: ConsumerIn, session: SystemDbSession) -> dict[str, str]:
    """Create a consumer account (marketplace and virtual-store shoppers)."""
    consumer = service.register_consumer(session, email=body.email, name=body.name, password=body.password)
    return {"id": consumer.id, "email": consumer.email}


@router.post("/auth/consumers/token", response_model=TokenOut, responses=problem_responses(401))
def consumer_token(body: Credentials, request: Request, session: SystemDbSession) -> TokenOut:
    """Sign in a consumer; the token carries no tenant and no staff role."""
    token = service.consumer_sign_in(
        session, _signer(request), email=body.email, password=body.password, ttl_s=_ttl(request)
    )
    return TokenOut(access_token=token, expires_in=_ttl(request))


@router.get("/tenant")
def my_tenant(session: DbSession, principal: TenantPrincipal) -> dict[str, object]:
    """The caller's tenant and who the caller is."""
    tenant = session.get(Tenant, principal.tenant_id)
    return {
        "tenant_id": principal.tenant_id,
        "name": tenant.name if tenant else "",
        "subject": principal.subject,
        "kind": principal.kind,
        "roles": sorted(principal.roles),
    }


@router.get("/users", response_model=list[UserOut])
def list_users(session: DbSession, principal: Owner) -> list[UserOut]:
    """The tenant's staff accounts."""
    users = session.scalars(select(UserAccount).order_by(UserAccount.email))
    return [UserOut(id=u.id, email=u.email, name=u.name, roles=u.roles, active=u.active) for u in users]


@router.post("/users", response_model=UserOut, status_code=status.HTTP_201_CREATED)
def add_user(body: UserIn, session: DbSession, principal: Owner) -> UserOut:
    """Add a staff account (dispatcher, driver, warehouse clerk...)."""
    u = service.add_user(
        session,
        tenant_id=str(principal.tenant_id),
        email=body.email,
        name=body.name,
        password=body.password,
        roles=body.roles,
    )
    return UserOut(id=u.id, email=u.email, name=u.name, roles=u.roles, active=u.active)


def _key_out(k: ApiKey, token: str | None = None) -> ApiKeyOut:
    return ApiKeyOut(
        id=k.id,
        name=k.name,
        roles=k.roles,
        created_at=k.created_at.isoformat(),
        revoked_at=k.revoked_at.isoformat() if k.revoked_at else None,
        api_key=token,
    )


@router.get("/api-keys", response_model=list[ApiKeyOut], response_model_exclude_none=True)
def list_api_keys(session: DbSession, principal: Owner) -> list[ApiKeyOut]:
    """The tenant's API keys (the secret itself is never shown again)."""
    return [_key_out(k) for k in session.scalars(select(ApiKey).order_by(ApiKey.created_at))]


@router.post("/api-keys", response_model=ApiKeyOut, status_code=status.HTTP_201_CREATED)
def create_api_key(body: ApiKeyIn, request: Request, session: DbSession, principal: Owner) -> ApiKeyOut:
    """Create a long-lived API key for an integrator."""
    token, key_id = service.create_api_key(
        session,
        _signer(request),
        tenant_id=str(principal.tenant_id),
        name=body.name,
        roles=body.roles,
        created_by=principal.subject,
    )
    key = session.get(ApiKey, key_id)
    assert key is not None
    return _key_out(key, token)


@router.delete("/api-keys/{key_id}", response_model=ApiKeyOut, response_model_exclude_none=True)
def revoke_api_key(key_id: str, session: DbSession, principal: Owner) -> ApiKeyOut:
    """Revoke an API key; every service refuses it once the revocation event reaches it."""
    return _key_out(service.revoke_api_key(session, key_id))
