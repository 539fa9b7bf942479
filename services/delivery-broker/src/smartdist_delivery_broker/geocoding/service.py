"""Coordinates for a pickup or dropoff given by its address: the configured provider
(smartdist.geocoding) behind this tenant's cache.

``SMARTDIST_DELIVERY_BROKER_GEOCODER`` picks it (auto, none, sandbox, nominatim, google; see
config.py). One adapter per configuration and process, so Nominatim's one request per second is
kept across requests; answers are cached in the ``geocoded_address`` table, per tenant.
"""

from __future__ import annotations

from dataclasses import dataclass

from smartdist.db import Database
from smartdist.geocoding import AddressNotFound, CachedGeocoder, Geocoded, Geocoder, GeocoderUnavailable
from smartdist.geocoding.settings import geocoder_from
from smartdist_delivery_broker.adapters.port import Place
from smartdist_delivery_broker.config import Settings
from smartdist_delivery_broker.geocoding.domain import AddressUnknown, GeocoderDown, NoGeocoder
from smartdist_delivery_broker.geocoding.repository import DatabaseCache


def geocoder_for(settings: Settings) -> Geocoder | None:
    """The provider the settings name (one per configuration and process), or None."""
    return geocoder_from(settings, settings.resolved_geocoder())


@dataclass(frozen=True)
class PointAsked:
    """A pickup or dropoff as the caller gave it: coordinates, an address, or both."""

    lat: float | None
    lng: float | None
    address: str = ""


@dataclass(frozen=True)
class Located:
    """Where a point is; ``found`` is the provider's answer when its address was looked up."""

    place: Place
    found: Geocoded | None = None


def locate(
    geocoder: Geocoder | None,
    database: Database,
    tenant_id: str,
    name: str,
    point: PointAsked,
    *,
    language: str = "zh-TW",
) -> Located:
    """The point's place: its coordinates when given (they always win), else its address located
    through the tenant's cache; a coded 422 (no geocoder, not found, naming ``name``) or a 503."""
    if point.lat is not None and point.lng is not None:
        return Located(Place(point.lat, point.lng, point.address))
    if geocoder is None:
        raise NoGeocoder(name, point.address)
    try:
        found = CachedGeocoder(geocoder, DatabaseCache(database, tenant_id)).geocode(point.address, language=language)
    except AddressNotFound:
        raise AddressUnknown(name, point.address) from None
    except GeocoderUnavailable:
        raise GeocoderDown(geocoder.name) from None
    # The courier reads the merchant's own words (a floor, a shop name); the found text is shown back.
    return Located(Place(found.lat, found.lng, point.address), found)
