"""Which platforms the broker talks to: the sandboxes (default, no network) or the live APIs.

Built from the service's settings (`config.py`). In live mode a platform whose credentials are
missing is still listed and answers every quote as unavailable with that reason, so the
merchant sees why.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

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
from smartdist_delivery_broker.adapters.sandbox import SandboxBehaviour, SandboxPlatform, SandboxSecrets
from smartdist_delivery_broker.config import Settings, sandbox_webhook_secrets

PROVIDERS = ("pandago", "uber_direct", "lalamove")


def _names(value: str) -> set[str]:
    return {v.strip() for v in value.split(",") if v.strip()}


def sandbox_behaviour(settings: Settings, provider: str) -> SandboxBehaviour:
    """The installation's sandbox behaviour for `provider`, from the settings."""
    return SandboxBehaviour(
        quote_latency_s=settings.sandbox_quote_latency_s,
        hang_quotes=provider in _names(settings.sandbox_hang),
        quote_error="503 Service Unavailable (sandbox)" if provider in _names(settings.sandbox_fail) else None,
        scenario=settings.sandbox_scenario,
        step_s=settings.sandbox_step_s,
        duplicate_probability=settings.sandbox_duplicate_probability,
        reorder=settings.sandbox_reorder,
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


def _missing(settings: Settings, *names: str) -> list[str]:
    return [f"SMARTDIST_DELIVERY_BROKER_{n.upper()}" for n in names if not getattr(settings, n)]


def live_platforms(settings: Settings, client: httpx.AsyncClient) -> list[Any]:
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
    """The platforms of one running service, built once from settings.

    `data_dir`: the installation's data directory, where the sandboxes' webhook secrets are
    generated on first start; None (tests) gives fresh random secrets."""

    def __init__(self, settings: Settings | None = None, data_dir: Path | None = None):
        self.settings = settings or Settings()
        self.client: httpx.AsyncClient | None = None
        self.platforms: list[DeliveryPlatform]
        if self.settings.platform_mode == "sandbox":
            secrets = SandboxSecrets(
                **sandbox_webhook_secrets(self.settings, data_dir),
                lalamove_webhook_path=self.settings.lalamove_webhook_path,
            )
            self.platforms = [
                SandboxPlatform(p, sandbox_behaviour(self.settings, p), secrets=secrets) for p in PROVIDERS
            ]
        else:
            self.client = httpx.AsyncClient(timeout=self.settings.http_timeout_s)
            self.platforms = live_platforms(self.settings, self.client)

    def by_provider(self, provider: str) -> DeliveryPlatform | None:
        return next((p for p in self.platforms if p.provider == provider), None)

    def sandboxes(self) -> list[SandboxPlatform]:
        return [p for p in self.platforms if isinstance(p, SandboxPlatform)]

    def for_tenant(self, tenant_id: str) -> list[DeliveryPlatform]:
        """The platforms as `tenant_id` sees them: a sandbox follows that tenant's behaviour."""
        return [p.for_tenant(tenant_id) if isinstance(p, SandboxPlatform) else p for p in self.platforms]

    def by_provider_for(self, provider: str, tenant_id: str) -> DeliveryPlatform | None:
        platform = self.by_provider(provider)
        return platform.for_tenant(tenant_id) if isinstance(platform, SandboxPlatform) else platform
