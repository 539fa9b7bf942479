"""dispatch settings: environment variables with the ``SMARTDIST_DISPATCH_`` prefix (the only place they are read)."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SMARTDIST_DISPATCH_", extra="ignore")

    database_url: str | None = None  # read by the platform; beats SMARTDIST_DATABASE_URL
    # An XYZ tile URL template for the live map's base layer (``https://tiles.example/{z}/{x}/{y}.png``);
    # empty draws routes and stops on a blank map.
    map_tile_url: str = ""
    map_tile_attribution: str = ""
    # Addresses without coordinates (order sheets, POST /orders, the pages) are geocoded by this
    # provider: none (coordinates required), sandbox (a small Taipei gazetteer, no network: tests
    # and the demo), nominatim (OpenStreetMap's, public or the merchant's own), google (an API key).
    geocoder: Literal["none", "sandbox", "nominatim", "google"] = "none"
    geocoder_url: str = Field("", description="Nominatim's base URL; empty: the public nominatim.openstreetmap.org")
    geocoder_key: str = Field("", description="Google Geocoding API key")
    geocoder_user_agent: str = Field(
        "smartdist-dispatch/1.0", description="Nominatim's usage policy asks for the application and a contact"
    )
    geocoder_email: str = ""
    geocoder_countrycodes: str = "tw"
    geocoder_timeout_s: float = Field(10.0, gt=0, le=60)
    # Nominatim's public instance allows one request per second; a merchant's own may allow more.
    geocoder_min_interval_s: float = Field(1.0, ge=0, le=60)


class IntakeSettings(BaseSettings):
    """The broker intake (``SMARTDIST_DISPATCH_INTAKE_…``)."""

    model_config = SettingsConfigDict(env_prefix="SMARTDIST_DISPATCH_INTAKE_", extra="ignore")

    window_hours: float = Field(
        4.0, gt=0, le=72, description="Delivery window of an own-fleet booking: scheduled pickup (or now) + N hours."
    )
    service_s: int = Field(300, ge=0, le=86_400, description="Service time at the customer's door, seconds.")


@lru_cache
def get_settings() -> Settings:
    return Settings()


@lru_cache
def get_intake_settings() -> IntakeSettings:
    return IntakeSettings()
