"""dispatch settings: environment variables with the ``SMARTDIST_DISPATCH_`` prefix (the only place they are read)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from smartdist.config import get_platform_settings
from smartdist.geocoding.settings import GeocoderKind, GeocoderSettings


class Settings(GeocoderSettings):
    model_config = SettingsConfigDict(env_prefix="SMARTDIST_DISPATCH_", extra="ignore")

    database_url: str | None = None  # read by the platform; beats SMARTDIST_DATABASE_URL
    # An XYZ tile URL template for the live map's base layer (``https://tiles.example/{z}/{x}/{y}.png``);
    # empty draws routes and stops on a blank map.
    map_tile_url: str = ""
    map_tile_attribution: str = ""
    # Addresses without coordinates (order sheets, POST /orders, the pages) are located by the
    # geocoder fields of GeocoderSettings (SMARTDIST_DISPATCH_GEOCODER, _URL, _KEY, ...).
    geocoder_user_agent: str = Field(
        "smartdist-dispatch/1.0", description="Nominatim's usage policy asks for the application and a contact"
    )

    def resolved_geocoder(self) -> GeocoderKind:
        """``auto``: the sandbox gazetteer outside production (the demo, tests), none in production."""
        if self.geocoder == "auto":
            return "none" if get_platform_settings().env == "production" else "sandbox"
        return self.geocoder


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
