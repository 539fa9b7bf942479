"""Which platforms the broker talks to: the sandboxes (default, no network) or the live APIs.

Settings use the service's prefix `SMARTDIST_DELIVERY_BROKER_` (kept here, beside the adapters
they configure). In live mode a platform whose credentials are missing is still listed and
answers every quote as unavailable with that reason, so the merchant sees why.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import httpx
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from smartdist_delivery_broker.adapters import lalamove, pandago, uber_direct
from smartdist_delivery_broker.adapters.port import (
    BookingRequest,
    DeliveryPlatform,
    PlatformDelivery,
    PlatformQuote,
    PlatformUnavailable,
    StatusUpdate,
    TripRequest,
    WebhookSignatureInvalid,
)
from smartdist_delivery_broker.adapters.sandbox import (
    CourierScenario,
    SandboxBehaviour,
    SandboxPlatform,
)

PROVIDERS = ("pandago", "uber_direct", "lalamove")


def _names(value: str) -> set[str]:
    return {v.strip() for v in value.split(",") if v.strip()}


class BrokerPlatformSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SMARTDIST_DELIVERY_BROKER_", extra="ignore")

    platform_mode: Literal["sandbox", "live"] = Field("sandbox", description="sandbox: simulated couriers, no network.")
    quote_deadline_s: float = Field(1.5, gt=0, le=30, description="Longest wait for platforms' quotes.")
    quote_ttl_s: float = Field(
        300, gt=0, description="How long our quotes stay bookable (platform expiry may be shorter)."
    )
    rules: str | None = Field(None, description="Fee schedule / COD rules as JSON text or a JSON file path.")

    sandbox_quote_latency_s: float = 0.05
    sandbox_step_s: float = Field(30, description="Seconds between simulated courier steps (Uber Robo Courier: 30).")
    sandbox_hang: str = Field("", description="Comma-separated platforms whose sandbox never answers quotes.")
    sandbox_fail: str = Field("", description="Comma-separated platforms whose sandbox answers quotes with 503.")
    sandbox_scenario: CourierScenario = CourierScenario.DELIVER
    sandbox_duplicate_probability: float = Field(0.2, ge=0, lt=1)
    sandbox_reorder: bool = True
    sandbox_pump_s: float = Field(
        2.0, ge=0, le=3600, description="Seconds between background courier pump passes; 0 = no pump."
    )

    http_timeout_s: float = 10.0
    pandago_client_id: str | None = None
    pandago_key_id: str | None = None
    pandago_private_key: str | None = Field(None, description="PEM text or a path to the PEM file.")
    pandago_country: str = "tw"
    pandago_api_host: str = "https://pandago-api-apse.deliveryhero.io"
    pandago_auth_host: str = "https://sts.deliveryhero.io"
    pandago_webhook_secret: str | None = None
    uber_client_id: str | None = None
    uber_client_secret: str | None = None
    uber_customer_id: str | None = None
    uber_webhook_signing_key: str | None = None
    lalamove_api_key: str | None = None
    lalamove_api_secret: str | None = None
    lalamove_market: str = "TW"
    lalamove_api_host: str = "https://rest.lalamove.com"
    lalamove_webhook_path: str = Field(
        lalamove.LalamoveCredentials("", "").webhook_path,
        description="The path Lalamove posts to; it is part of the webhook signature.",
    )

    def sandbox_behaviour(self, provider: str) -> SandboxBehaviour:
        return SandboxBehaviour(
            quote_latency_s=self.sandbox_quote_latency_s,
            hang_quotes=provider in _names(self.sandbox_hang),
            quote_error="503 Service Unavailable (sandbox)" if provider in _names(self.sandbox_fail) else None,
            scenario=self.sandbox_scenario,
            step_s=self.sandbox_step_s,
            duplicate_probability=self.sandbox_duplicate_probability,
            reorder=self.sandbox_reorder,
        )


class UnconfiguredPlatform:
    """A live platform without credentials: listed, never bookable, says why."""

    def __init__(self, provider: str, missing: Sequence[str]):
        self.provider = provider
        self.reason = f"not configured: set {', '.join(missing)}"

    async def quote(self, trip: TripRequest) -> PlatformQuote:
        raise PlatformUnavailable(self.provider, self.reason)

    async def create(self, booking: BookingRequest) -> PlatformDelivery:
        raise PlatformUnavailable(self.provider, self.reason)

    async def get(self, platform_ref: str) -> PlatformDelivery:
        raise PlatformUnavailable(self.provider, self.reason)

    async def cancel(self, platform_ref: str, reason: str = "") -> PlatformDelivery:
        raise PlatformUnavailable(self.provider, self.reason)

    def cancellation_refusal(self, raw_status: str, courier_accepted_at: datetime | None, now: datetime) -> str | None:
        return self.reason

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[StatusUpdate]:
        raise WebhookSignatureInvalid(f"{self.provider} is {self.reason}")


def _pem(value: str) -> str:
    return value if "-----BEGIN" in value else Path(value).read_text(encoding="utf-8")


def _missing(settings: BrokerPlatformSettings, *names: str) -> list[str]:
    return [f"SMARTDIST_DELIVERY_BROKER_{n.upper()}" for n in names if not getattr(settings, n)]


def live_platforms(settings: BrokerPlatformSettings, client: httpx.AsyncClient) -> list[Any]:
    s = settings
    out: list[Any] = []
    missing = _missing(s, "pandago_client_id", "pandago_key_id", "pandago_private_key")
    out.append(
        UnconfiguredPlatform("pandago", missing)
        if missing
        else pandago.PandagoPlatform(
            pandago.PandagoCredentials(
                client_id=s.pandago_client_id or "",
                key_id=s.pandago_key_id or "",
                private_key_pem=_pem(s.pandago_private_key or ""),
                scope=f"pandago.api.{s.pandago_country}.*",
                country=s.pandago_country,
                api_host=s.pandago_api_host,
                auth_host=s.pandago_auth_host,
                webhook_secret=s.pandago_webhook_secret,
            ),
            client,
        )
    )
    missing = _missing(s, "uber_client_id", "uber_client_secret", "uber_customer_id", "uber_webhook_signing_key")
    out.append(
        UnconfiguredPlatform("uber_direct", missing)
        if missing
        else uber_direct.UberDirectPlatform(
            uber_direct.UberDirectCredentials(
                s.uber_client_id or "",
                s.uber_client_secret or "",
                s.uber_customer_id or "",
                s.uber_webhook_signing_key or "",
            ),
            client,
        )
    )
    missing = _missing(s, "lalamove_api_key", "lalamove_api_secret")
    out.append(
        UnconfiguredPlatform("lalamove", missing)
        if missing
        else lalamove.LalamovePlatform(
            lalamove.LalamoveCredentials(
                s.lalamove_api_key or "",
                s.lalamove_api_secret or "",
                market=s.lalamove_market,
                api_host=s.lalamove_api_host,
                webhook_path=s.lalamove_webhook_path,
            ),
            client,
        )
    )
    return out


class PlatformRegistry:
    """The platforms of one running service, built once from settings."""

    def __init__(self, settings: BrokerPlatformSettings | None = None):
        self.settings = settings or BrokerPlatformSettings()
        self.client: httpx.AsyncClient | None = None
        self.platforms: list[DeliveryPlatform]
        if self.settings.platform_mode == "sandbox":
            self.platforms = [SandboxPlatform(p, self.settings.sandbox_behaviour(p)) for p in PROVIDERS]
        else:
            self.client = httpx.AsyncClient(timeout=self.settings.http_timeout_s)
            self.platforms = live_platforms(self.settings, self.client)

    def by_provider(self, provider: str) -> DeliveryPlatform | None:
        return next((p for p in self.platforms if p.provider == provider), None)

    def sandboxes(self) -> list[SandboxPlatform]:
        return [p for p in self.platforms if isinstance(p, SandboxPlatform)]
