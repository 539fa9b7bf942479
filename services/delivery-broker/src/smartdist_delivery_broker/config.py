"""delivery-broker settings: environment variables with the ``SMARTDIST_DELIVERY_BROKER_`` prefix.

The only place the service reads its settings. In live mode a platform whose credentials are
missing is still listed and answers every quote as unavailable with that reason. The sandbox
platforms sign their webhooks with secrets of this installation: set them here, or they are
generated on first start and kept in ``$SMARTDIST_DATA_DIR/keys`` beside the token signing key
(`sandbox_webhook_secrets`) — never a constant in the source, which anyone could sign with.
"""

from __future__ import annotations

import json
import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from smartdist.geocoding.settings import GeocoderKind, GeocoderSettings
from smartdist_delivery_broker.adapters.sandbox import CourierScenario

SANDBOX_SECRETS_FILE = "delivery-broker-sandbox-webhooks.json"
SANDBOX_SECRET_NAMES = ("pandago_webhook_secret", "uber_signing_key", "lalamove_api_key", "lalamove_api_secret")


class Settings(GeocoderSettings):
    model_config = SettingsConfigDict(env_prefix="SMARTDIST_DELIVERY_BROKER_", extra="ignore")

    database_url: str | None = None  # read by the platform; beats SMARTDIST_DATABASE_URL
    # An XYZ tile URL template (https://tiles.example/{z}/{x}/{y}.png) under the tracking map;
    # empty (no internet, no tile server): the map draws its markers on a plain background.
    map_tile_url: str = ""
    map_tile_attribution: str = ""

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
    # The sandboxes' webhook secrets; unset: generated once per installation (data dir).
    sandbox_pandago_webhook_secret: str | None = None
    sandbox_uber_signing_key: str | None = None
    sandbox_lalamove_api_key: str | None = None
    sandbox_lalamove_api_secret: str | None = None

    # A pickup or dropoff given by its address alone (POST /quotes, instant bookings, the booking
    # page) is located by the geocoder fields of GeocoderSettings (SMARTDIST_DELIVERY_BROKER_GEOCODER,
    # _URL, _KEY, ...); auto is the sandbox while the platforms are the sandboxes, none live.
    geocoder_user_agent: str = Field(
        "smartdist-delivery-broker/1.0", description="Nominatim's usage policy asks for the application and a contact"
    )

    http_timeout_s: float = 10.0
    dispatch_url: str = Field(
        "auto",
        description="Base URL of the dispatch service (…/dispatch), asked before the own fleet is offered whether a "
        "van can take the trip in its shift; 'auto': SMARTDIST_SERVICE_URLS, else the same origin in the one-process "
        "demo, else not asked (the own fleet is offered by its terms); 'off': never asked.",
    )
    dispatch_token: str = Field(
        "", description="Bearer token for dispatch; empty: a short-lived service token signed with the platform key."
    )
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
        "/delivery-broker/api/v1/webhooks/lalamove",
        description="The path Lalamove posts to; it is part of the webhook signature.",
    )

    def resolved_geocoder(self) -> GeocoderKind:
        """The geocoder in use: ``auto`` is the sandbox gazetteer beside sandbox platforms, none live."""
        if self.geocoder == "auto":
            return "sandbox" if self.platform_mode == "sandbox" else "none"
        return self.geocoder


@lru_cache
def get_settings() -> Settings:
    return Settings()


def _generated_secrets() -> dict[str, str]:
    return {
        "pandago_webhook_secret": secrets.token_urlsafe(32),
        "uber_signing_key": secrets.token_urlsafe(32),
        "lalamove_api_key": "pk_" + secrets.token_hex(16),
        "lalamove_api_secret": "sk_" + secrets.token_urlsafe(32),
    }


def _stored_secrets(folder: Path) -> dict[str, str]:
    """The installation's generated secrets, made on first start (like the token signing key)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / SANDBOX_SECRETS_FILE
    if not path.exists():
        # Two processes starting on one fresh data dir must agree: write aside, link into place;
        # the loser of the race reads the winner's file.
        tmp = folder / f".{SANDBOX_SECRETS_FILE}.{os.getpid()}"
        tmp.write_text(json.dumps(_generated_secrets()), encoding="utf-8")
        os.chmod(tmp, 0o600)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    stored = json.loads(path.read_text(encoding="utf-8"))
    return {name: str(stored[name]) for name in SANDBOX_SECRET_NAMES}


def sandbox_webhook_secrets(settings: Settings, data_dir: Path | None) -> dict[str, str]:
    """The sandboxes' webhook secrets: the settings' where set, else the installation's (generated
    under ``data_dir/keys`` on first start); with no data dir (a test's registry), fresh ones."""
    base = _stored_secrets(data_dir / "keys") if data_dir is not None else _generated_secrets()
    for name in SANDBOX_SECRET_NAMES:
        configured = getattr(settings, f"sandbox_{name}")
        if configured:
            base[name] = configured
    return base
