"""The settings a service that locates addresses has, and the adapter they name.

A service's ``Settings`` (its ``config.py``, with its own ``SMARTDIST_<SERVICE>_`` prefix) inherits
:class:`GeocoderSettings`, so every service spells them the same way
(``SMARTDIST_DISPATCH_GEOCODER``, ``SMARTDIST_DELIVERY_BROKER_GEOCODER``, ...), and decides what
``auto`` means for it; :func:`geocoder_from` then gives the one adapter per configuration and
process (so Nominatim's one request per second holds across requests).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings

from smartdist.geocoding.google import API_URL as GOOGLE_URL
from smartdist.geocoding.google import GoogleGeocoder
from smartdist.geocoding.nominatim import PUBLIC_URL, NominatimGeocoder
from smartdist.geocoding.port import Geocoder
from smartdist.geocoding.sandbox import SandboxGeocoder

GeocoderKind = Literal["none", "sandbox", "nominatim", "google"]


class GeocoderSettings(BaseSettings):
    # Addresses without coordinates are located by this provider: auto (the service decides: the
    # sandbox in the demo, none in production), none (coordinates required), sandbox (a small
    # Taipei gazetteer, no network: tests and the demo), nominatim (OpenStreetMap's, public or the
    # merchant's own), google (an API key).
    geocoder: Literal["auto", "none", "sandbox", "nominatim", "google"] = "auto"
    geocoder_url: str = Field(
        "", description="Nominatim's base URL (empty: the public nominatim.openstreetmap.org), or Google's API URL"
    )
    geocoder_key: str = Field("", description="Google Geocoding API key")
    geocoder_user_agent: str = Field(
        "smartdist/1.0", description="Nominatim's usage policy asks for the application and a contact"
    )
    geocoder_email: str = ""
    geocoder_countrycodes: str = "tw"
    geocoder_timeout_s: float = Field(10.0, gt=0, le=60)
    # Nominatim's public instance allows one request per second; a merchant's own may allow more.
    geocoder_min_interval_s: float = Field(1.0, ge=0, le=60)


def geocoder_from(settings: GeocoderSettings, kind: GeocoderKind) -> Geocoder | None:
    """The adapter of ``kind`` (``auto`` already resolved by the service) with these settings, or None."""
    return _adapter(
        kind,
        settings.geocoder_url,
        settings.geocoder_key,
        settings.geocoder_user_agent,
        settings.geocoder_email,
        settings.geocoder_countrycodes,
        settings.geocoder_timeout_s,
        settings.geocoder_min_interval_s,
    )


@lru_cache(maxsize=8)
def _adapter(
    kind: str, url: str, key: str, user_agent: str, email: str, countries: str, timeout_s: float, interval_s: float
) -> Geocoder | None:
    if kind == "sandbox":
        return SandboxGeocoder()
    if kind == "nominatim":
        return NominatimGeocoder(
            user_agent=user_agent,
            base_url=url or PUBLIC_URL,
            email=email,
            countrycodes=countries,
            timeout_s=timeout_s,
            min_interval_s=interval_s,
        )
    if kind == "google":
        return GoogleGeocoder(api_key=key, timeout_s=timeout_s, url=url or GOOGLE_URL)
    return None
