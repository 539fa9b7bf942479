"""Google's Geocoding API (``maps/api/geocode/json``, an API key).

The answer's ``status``: ``OK`` (results), ``ZERO_RESULTS`` (no such place: not found), and the
refusals ``OVER_QUERY_LIMIT``, ``OVER_DAILY_LIMIT``, ``REQUEST_DENIED`` (key), ``INVALID_REQUEST``,
``UNKNOWN_ERROR`` (unavailable, with Google's ``error_message``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from smartdist.geocoding.port import AddressNotFound, Geocoded, GeocoderUnavailable

API_URL = "https://maps.googleapis.com/maps/api/geocode/json"


@dataclass
class GoogleGeocoder:
    api_key: str
    region: str = "tw"  # biases results to Taiwan (ccTLD)
    url: str = API_URL
    timeout_s: float = 10.0
    client: httpx.Client | None = None
    name: str = "google"

    def __post_init__(self) -> None:
        if not self.api_key.strip():
            raise ValueError("Google's Geocoding API needs an API key")

    def params(self, address: str, language: str) -> dict[str, str]:
        return {"address": address, "key": self.api_key, "language": language, "region": self.region}

    def geocode(self, address: str, *, language: str = "zh-TW") -> Geocoded:
        client = self.client or httpx.Client(timeout=self.timeout_s)
        try:
            response = client.get(self.url, params=self.params(address, language), timeout=self.timeout_s)
        except httpx.HTTPError as exc:
            raise GeocoderUnavailable(f"Google geocoding unreachable: {exc}", address=address) from exc
        finally:
            if self.client is None:
                client.close()
        if response.status_code != 200:
            raise GeocoderUnavailable(f"Google geocoding answered HTTP {response.status_code}", address=address)
        try:
            body: Any = response.json()
        except ValueError as exc:
            raise GeocoderUnavailable("Google geocoding answered something other than JSON", address=address) from exc
        status = body.get("status") if isinstance(body, dict) else None
        if status == "ZERO_RESULTS":
            raise AddressNotFound(f"Google knows no place at {address!r}", address=address)
        if status != "OK":
            detail = body.get("error_message", "") if isinstance(body, dict) else ""
            raise GeocoderUnavailable(f"Google geocoding refused: {status} {detail}".strip(), address=address)
        try:
            first = body["results"][0]
            location = first["geometry"]["location"]
            lat, lng = float(location["lat"]), float(location["lng"])
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise GeocoderUnavailable(f"Google's answer has no location: {exc}", address=address) from exc
        return Geocoded(lat, lng, str(first.get("formatted_address") or address), self.name)
