"""surplus-market settings: environment variables with the ``SMARTDIST_SURPLUS_MARKET_`` prefix."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SMARTDIST_SURPLUS_MARKET_", extra="ignore")

    database_url: str | None = None  # read by the platform; beats SMARTDIST_DATABASE_URL
    service_fee_percent: float = Field(10.0, ge=0, le=50, description="Platform fee per transaction, % of its amount.")
    service_fee_min_twd: int = Field(0, ge=0, description="Smallest fee per transaction (TWD).")
    payment_provider: Literal["sandbox", "gateway"] = "sandbox"
    payment_gateway_url: str = ""
    payment_gateway_key: str = ""
    delivery_broker_url: str = Field(
        "auto",
        description="Base URL of the delivery broker (…/delivery-broker), 'sandbox' for the in-process simulation, "
        "or 'auto': SMARTDIST_SERVICE_URLS, else the same origin in the one-process demo, else the sandbox.",
    )
    delivery_broker_token: str = Field(
        "", description="Bearer token for the broker; empty: a short-lived service token signed with the platform key."
    )
    delivery_contact_phone: str = Field(
        "0800000000", description="Courier contact phone when neither the consumer nor the seller gave one."
    )
    delivery_retry_s: float = Field(
        30.0, gt=0, le=3600, description="Pause before the first retry of a failed courier booking; doubles each time."
    )
    delivery_max_attempts: int = Field(6, ge=1, le=50, description="Courier bookings tried before the seller must.")
    delivery_retry_sweep_s: float = Field(10.0, gt=0, description="How often due courier bookings are retried.")
    near_expiry_default_hours: int = Field(
        24, ge=1, le=720, description="Hours before best-before of the default markdown step (WMS drafts)."
    )
    no_show_sweep_s: float = Field(60.0, gt=0, description="How often reservations past their window turn no-show.")
    push_subject: str = Field(
        "mailto:ops@smartdist.invalid",
        pattern=r"^(mailto:|https://)\S+$",
        description="VAPID contact (RFC 8292 'sub'): a mailto: or https: URL push services can reach.",
    )
    push_page_base_url: str = Field(
        "", description="Public URL of this service (…/surplus-market) for the link a push opens; empty: none."
    )
    push_sandbox: bool = Field(True, description="Serve the sandbox push service (/api/v1/push-sandbox) for demos.")
    map_tile_url: str = Field(
        "", description="XYZ tile URL template of the consumer map's base layer (none: markers only)."
    )
    map_tile_attribution: str = ""
    photo_max_bytes: int = Field(8_000_000, ge=1)
    photo_max_pixels: int = Field(40_000_000, ge=1)


@lru_cache
def get_settings() -> Settings:
    return Settings()
