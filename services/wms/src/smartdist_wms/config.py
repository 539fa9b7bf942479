"""wms settings: environment variables with the ``SMARTDIST_WMS_`` prefix."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SMARTDIST_WMS_", extra="ignore")

    database_url: str | None = None  # read by the platform; beats SMARTDIST_DATABASE_URL
    # The warehouse's code in stock.changed events (forecast keeps counts per place and SKU).
    warehouse_code: str = "main"
    # Local day of the warehouse: "near expiry" and expiry dates are days in this zone.
    timezone: str = "Asia/Taipei"
    # Seconds between looks for lots that entered their near-expiry window.
    near_expiry_scan_s: float = 3600.0
    # Home deliveries of outbound orders (SPEC §5 flow 3): the broker, and where couriers pick up.
    delivery_broker_url: str = Field(
        "auto",
        description="Base URL of the delivery broker (…/delivery-broker), 'sandbox' for the in-process simulation, "
        "or 'auto': SMARTDIST_SERVICE_URLS, else the same origin in the one-process demo, else the sandbox.",
    )
    delivery_broker_token: str = Field(
        "", description="Bearer token for the broker; empty: a short-lived service token signed with the platform key."
    )
    warehouse_name: str = Field("倉庫 Warehouse", min_length=1, max_length=100)
    warehouse_phone: str = Field("0227001234", pattern=r"^\+?[0-9 \-]{6,20}$")
    warehouse_lat: float = Field(25.0418, ge=-90, le=90)
    warehouse_lng: float = Field(121.5436, ge=-180, le=180)
    warehouse_address: str = Field("台北市大安區忠孝東路四段 1 號", max_length=500)
    courier_booking_tries: int = Field(4, ge=1, le=10, description="Tries of one booking job (1, 2, 4 s apart).")
    courier_booking_max_attempts: int = Field(20, ge=1, description="Tries in all before a booking is failed.")
    courier_retry_s: float = Field(30.0, gt=0, description="Seconds between retries of bookings still waiting.")


@lru_cache
def get_settings() -> Settings:
    return Settings()
