"""A cache in front of any geocoder; the store is the service's (its own database table)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from smartdist.geocoding.port import Geocoded, Geocoder, normalise_address


class GeocodeCache(Protocol):
    """Where answers are kept, keyed by (provider name, :func:`normalise_address` of the address)."""

    def get(self, provider: str, key: str) -> Geocoded | None: ...

    def put(self, provider: str, key: str, found: Geocoded) -> None: ...


@dataclass
class CachedGeocoder:
    """Answers a known address from the cache; asks the provider once per new one.

    Only found places are kept: a not-found address may be fixed in the provider's map later.
    """

    inner: Geocoder
    cache: GeocodeCache

    @property
    def name(self) -> str:
        return self.inner.name

    def geocode(self, address: str, *, language: str = "zh-TW") -> Geocoded:
        key = normalise_address(address)
        known = self.cache.get(self.inner.name, key)
        if known is not None:
            return known
        found = self.inner.geocode(address, language=language)
        self.cache.put(self.inner.name, key, found)
        return found
