"""delivery-broker settings: environment variables with the ``SMARTDIST_DELIVERY_BROKER_`` prefix."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SMARTDIST_DELIVERY_BROKER_", extra="ignore")

    database_url: str | None = None  # read by the platform; beats SMARTDIST_DATABASE_URL
    # An XYZ tile URL template (https://tiles.example/{z}/{x}/{y}.png) under the tracking map;
    # empty (no internet, no tile server): the map draws its markers on a plain background.
    map_tile_url: str = ""
    map_tile_attribution: str = ""


@lru_cache
def get_settings() -> Settings:
    return Settings()
