"""wms settings: environment variables with the ``SMARTDIST_WMS_`` prefix."""

from __future__ import annotations

from functools import lru_cache

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


@lru_cache
def get_settings() -> Settings:
    return Settings()
