"""The geocoding port (SPEC §4.A: "geocoding is a pluggable provider"): an address in, coordinates out.

Merchants know their customers' addresses, not their coordinates. A service that needs a point
asks a :class:`Geocoder`::

    found = geocoder.geocode("臺北市信義區市府路1號", language="zh-TW")
    found.lat, found.lng, found.address  # 25.0375, 121.5637, the provider's normalised address

and handles two failures, both :class:`GeocodingError` with a stable ``code``:

- :class:`AddressNotFound` (``geocoding.not_found``): the provider answered and knows no such
  place — the caller's data; say so to the merchant, nothing is stored;
- :class:`GeocoderUnavailable` (``geocoding.unavailable``): the provider did not answer, refused
  the key, or is over its quota — not the caller's fault; retry later.

Adapters (httpx, with timeouts; build one per process so a rate limit is shared):

- :class:`~smartdist.geocoding.nominatim.NominatimGeocoder` — OpenStreetMap's Nominatim, public
  or hosted by the merchant (``/search``, ``format=jsonv2``); sends the User-Agent the usage
  policy asks for, at most one request per ``min_interval_s`` (1 s by default), with
  ``accept-language`` and ``countrycodes`` (``tw``);
- :class:`~smartdist.geocoding.google.GoogleGeocoder` — Google's Geocoding API (an API key);
- :class:`~smartdist.geocoding.sandbox.SandboxGeocoder` — no network: a small gazetteer of real
  Taipei / New Taipei addresses, for tests and the demo (anything else is not found).

:class:`~smartdist.geocoding.cache.CachedGeocoder` puts a cache in front of any of them; the
cache itself is the service's (a table of its own database, keyed by
:func:`normalise_address` and the provider's name) behind the :class:`GeocodeCache` protocol, so
a repeated address never reaches the provider again (Nominatim's policy asks for this too).
"""

from __future__ import annotations

from smartdist.geocoding.cache import CachedGeocoder, GeocodeCache
from smartdist.geocoding.port import (
    AddressNotFound,
    Geocoded,
    Geocoder,
    GeocoderUnavailable,
    GeocodingError,
    normalise_address,
)

__all__ = [
    "AddressNotFound",
    "CachedGeocoder",
    "GeocodeCache",
    "Geocoded",
    "Geocoder",
    "GeocoderUnavailable",
    "GeocodingError",
    "normalise_address",
]
