"""Coordinates for addresses: the configured provider (smartdist.geocoding) behind this tenant's cache.

``SMARTDIST_DISPATCH_GEOCODER`` picks it (none, sandbox, nominatim, google; see config.py). One
adapter per configuration and process, so Nominatim's one-request-per-second is kept across
requests; answers are cached in the ``geocoded_address`` table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from smartdist.db import ScopedSession
from smartdist.geocoding import AddressNotFound, CachedGeocoder, Geocoded, Geocoder, GeocoderUnavailable
from smartdist.geocoding.settings import geocoder_from
from smartdist_dispatch.config import Settings
from smartdist_dispatch.geocoding.domain import AddressUnknown, GeocoderDown, NoGeocoder
from smartdist_dispatch.geocoding.repository import DatabaseCache

# The English of a row a batch could not locate (error.<code> in the catalog gives the merchant's words).
GEOCODING_ROW_MESSAGES = {
    "dispatch.geocoding.not_configured": "no coordinates and no geocoder is set up: fill lat and lng",
    "dispatch.geocoding.not_found": "no place found at this address: check it, or fill lat and lng",
}


def configured_geocoder() -> Geocoder | None:
    """The provider the settings name, or None (read per call: the operator may set it while it runs)."""
    settings = Settings()
    return geocoder_from(settings, settings.resolved_geocoder())


def locate(session: ScopedSession, address: str, *, language: str) -> Geocoded:
    """Where one address is; a coded 422 (no geocoder, not found) or 503 (provider down) otherwise."""
    geocoder = configured_geocoder()
    if geocoder is None:
        raise NoGeocoder(address)
    try:
        return CachedGeocoder(geocoder, DatabaseCache(session)).geocode(address, language=language)
    except AddressNotFound:
        raise AddressUnknown(address) from None
    except GeocoderUnavailable:
        raise GeocoderDown(geocoder.name) from None


@dataclass(frozen=True)
class Miss:
    """An address of a batch that could not be located, and why (an error code of the catalog)."""

    key: int
    address: str
    code: str


def locate_all(
    session: ScopedSession, addresses: Mapping[int, str], *, language: str
) -> tuple[dict[int, Geocoded], list[Miss]]:
    """Every address of a batch (a sheet's rows by number): the places found and the misses.

    No geocoder configured is a miss of every row; a provider that stops answering is a 503.
    """
    geocoder = configured_geocoder()
    if geocoder is None:
        return {}, [Miss(k, a, "dispatch.geocoding.not_configured") for k, a in addresses.items()]
    cached = CachedGeocoder(geocoder, DatabaseCache(session))
    found: dict[int, Geocoded] = {}
    misses: list[Miss] = []
    for k, address in addresses.items():
        try:
            found[k] = cached.geocode(address, language=language)
        except AddressNotFound:
            misses.append(Miss(k, address, "dispatch.geocoding.not_found"))
        except GeocoderUnavailable:
            raise GeocoderDown(geocoder.name) from None
    return found, misses
