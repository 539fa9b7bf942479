"""Nominatim (OpenStreetMap) ``/search`` with ``format=jsonv2``: public, or hosted by the merchant.

The public instance's usage policy (operations.osmfoundation.org/policies/nominatim): a User-Agent
naming the application (not a library's default), at most one request per second from the whole
application, results cached. A merchant's own instance may allow more (``min_interval_s=0``).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from smartdist.geocoding.port import AddressNotFound, Geocoded, GeocoderUnavailable

PUBLIC_URL = "https://nominatim.openstreetmap.org"


@dataclass
class NominatimGeocoder:
    user_agent: str  # e.g. "smartdist-dispatch/1.0 (ops@merchant.tw)": the policy requires one
    base_url: str = PUBLIC_URL
    countrycodes: str = "tw"
    email: str = ""  # sent as email= when given (the policy's contact for heavy users)
    timeout_s: float = 10.0
    min_interval_s: float = 1.0
    client: httpx.Client | None = None
    name: str = "nominatim"
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _last_at: float = field(default=float("-inf"), repr=False)

    def __post_init__(self) -> None:
        if not self.user_agent.strip():
            raise ValueError("Nominatim needs a User-Agent naming the application")

    def _wait_turn(self) -> None:
        """One request per interval across every thread, the interval counted from the last request's
        start: callers queue on the lock (the policy's "a single thread"), none holds it over the call."""
        with self._lock:
            wait = self._last_at + self.min_interval_s - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            self._last_at = time.monotonic()

    def params(self, address: str, language: str) -> dict[str, str]:
        params = {"q": address, "format": "jsonv2", "limit": "1", "accept-language": language}
        if self.countrycodes:
            params["countrycodes"] = self.countrycodes
        if self.email:
            params["email"] = self.email
        return params

    def geocode(self, address: str, *, language: str = "zh-TW") -> Geocoded:
        self._wait_turn()
        client = self.client or httpx.Client(timeout=self.timeout_s)
        try:
            response = client.get(
                self.base_url.rstrip("/") + "/search",
                params=self.params(address, language),
                headers={"User-Agent": self.user_agent, "Accept-Language": language},
                timeout=self.timeout_s,
            )
        except httpx.HTTPError as exc:
            raise GeocoderUnavailable(f"Nominatim unreachable: {exc}", address=address) from exc
        finally:
            if self.client is None:
                client.close()
        if response.status_code != 200:
            # 403: blocked (User-Agent, policy); 429: too many requests; 5xx: the server's trouble.
            raise GeocoderUnavailable(f"Nominatim answered HTTP {response.status_code}", address=address)
        return self.read(response, address)

    def read(self, response: httpx.Response, address: str) -> Geocoded:
        try:
            places: Any = response.json()
        except ValueError as exc:
            raise GeocoderUnavailable("Nominatim answered something other than JSON", address=address) from exc
        if not isinstance(places, list):
            raise GeocoderUnavailable("Nominatim answered something other than a list of places", address=address)
        if not places:
            raise AddressNotFound(f"Nominatim knows no place at {address!r}", address=address)
        first = places[0]
        try:
            lat, lng = float(first["lat"]), float(first["lon"])
        except (KeyError, TypeError, ValueError) as exc:
            raise GeocoderUnavailable(f"Nominatim's place has no coordinates: {exc}", address=address) from exc
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            raise GeocoderUnavailable("Nominatim's coordinates are out of range", address=address)
        return Geocoded(lat, lng, str(first.get("display_name") or address), self.name)
