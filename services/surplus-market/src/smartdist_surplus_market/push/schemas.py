"""Edge schemas of Web Push: a browser's PushSubscription JSON in, what is stored out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Keys(BaseModel):
    model_config = ConfigDict(extra="forbid")

    p256dh: str = Field(min_length=80, max_length=100, description="The browser's P-256 key, base64url.")
    auth: str = Field(min_length=16, max_length=40, description="The browser's 16-byte auth secret, base64url.")


class SubscriptionIn(BaseModel):
    """``PushSubscription.toJSON()`` as the browser gives it."""

    model_config = ConfigDict(extra="forbid")

    endpoint: str = Field(min_length=10, max_length=1000, pattern=r"^https?://\S+$")
    expirationTime: float | None = Field(None, ge=0, description="Ignored; the push service's 404/410 counts.")  # noqa: N815
    keys: Keys


class SubscriptionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    endpoint: str
    lang: str
    created_at: datetime
    last_sent_at: datetime | None
    last_status: int | None


class SubscriptionList(BaseModel):
    items: list[SubscriptionOut]


class VapidKeyOut(BaseModel):
    public_key: str = Field(description="The applicationServerKey for PushManager.subscribe (base64url).")


class SandboxSubscriptionOut(BaseModel):
    id: str
    endpoint: str
    keys: dict[str, str]


class SandboxMessageOut(BaseModel):
    received_at: datetime
    payload: Any
    ttl: int | None
    urgency: str | None
    vapid_subject: str | None


class SandboxMessages(BaseModel):
    items: list[SandboxMessageOut]
