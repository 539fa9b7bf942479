"""The geocoding adapters against httpx MockTransport answers shaped like the real APIs'."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import pytest

from smartdist.geocoding import (
    AddressNotFound,
    CachedGeocoder,
    Geocoded,
    Geocoder,
    GeocoderUnavailable,
    normalise_address,
)
from smartdist.geocoding.google import GoogleGeocoder
from smartdist.geocoding.nominatim import NominatimGeocoder
from smartdist.geocoding.sandbox import SandboxGeocoder

ADDRESS = "臺北市信義區市府路1號"
# /search?format=jsonv2: a list of places, lat/lon as strings, "category" (jsonv2) beside "type".
NOMINATIM_PLACE: dict[str, Any] = {
    "place_id": 255284012,
    "licence": "Data © OpenStreetMap contributors, ODbL 1.0. http://osm.org/copyright",
    "osm_type": "way",
    "osm_id": 35267891,
    "lat": "25.0375198",
    "lon": "121.5636796",
    "category": "office",
    "type": "government",
    "place_rank": 30,
    "importance": 0.4,
    "addresstype": "office",
    "name": "臺北市政府",
    "display_name": "臺北市政府, 1, 市府路, 信義區, 臺北市, 110, 臺灣",
    "boundingbox": ["25.0360", "25.0390", "121.5620", "121.5650"],
}
GOOGLE_OK = {
    "results": [
        {
            "address_components": [{"long_name": "1", "short_name": "1", "types": ["street_number"]}],
            "formatted_address": "110台灣臺北市信義區市府路1號",
            "geometry": {
                "location": {"lat": 25.0375, "lng": 121.5637},
                "location_type": "ROOFTOP",
                "viewport": {
                    "northeast": {"lat": 25.0388, "lng": 121.5650},
                    "southwest": {"lat": 25.0361, "lng": 121.5623},
                },
            },
            "place_id": "ChIJxxxxxxxxxxxxxxxxxxxx",
            "types": ["street_address"],
        }
    ],
    "status": "OK",
}


def nominatim(handler: Any, **kw: Any) -> NominatimGeocoder:
    client = httpx.Client(transport=httpx.MockTransport(handler))
    return NominatimGeocoder(user_agent="smartdist-test/1.0 (ops@example.tw)", client=client, **kw)


def google(handler: Any) -> GoogleGeocoder:
    return GoogleGeocoder(api_key="test-key", client=httpx.Client(transport=httpx.MockTransport(handler)))


def test_nominatim_sends_the_policy_headers_and_reads_the_first_place() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=[NOMINATIM_PLACE])

    found = nominatim(handler, min_interval_s=0).geocode(ADDRESS, language="en")
    assert found == Geocoded(25.0375198, 121.5636796, NOMINATIM_PLACE["display_name"], "nominatim")
    (request,) = seen
    assert request.url.path == "/search"
    assert dict(request.url.params) == {
        "q": ADDRESS,
        "format": "jsonv2",
        "limit": "1",
        "accept-language": "en",
        "countrycodes": "tw",
    }
    assert request.headers["user-agent"] == "smartdist-test/1.0 (ops@example.tw)"


def test_nominatim_empty_list_is_not_found_and_refusals_are_unavailable() -> None:
    with pytest.raises(AddressNotFound) as missing:
        nominatim(lambda r: httpx.Response(200, json=[]), min_interval_s=0).geocode("月球路1號")
    assert missing.value.code == "geocoding.not_found"
    for answer in (httpx.Response(429, text="Too many"), httpx.Response(403, text="blocked"), httpx.Response(503)):
        with pytest.raises(GeocoderUnavailable):
            nominatim(lambda r, a=answer: a, min_interval_s=0).geocode(ADDRESS)

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("timed out", request=request)

    with pytest.raises(GeocoderUnavailable, match="unreachable"):
        nominatim(down, min_interval_s=0).geocode(ADDRESS)
    with pytest.raises(ValueError):
        NominatimGeocoder(user_agent=" ")


def test_nominatim_keeps_at_most_one_request_per_interval() -> None:
    times: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        times.append(time.monotonic())
        return httpx.Response(200, json=[NOMINATIM_PLACE])

    geocoder = nominatim(handler, min_interval_s=0.2)
    callers = [threading.Thread(target=geocoder.geocode, args=(ADDRESS,)) for _ in range(3)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join()
    times.sort()
    assert len(times) == 3 and all(b - a >= 0.15 for a, b in zip(times, times[1:], strict=False)), times


def test_google_reads_ok_and_names_each_refusal() -> None:
    seen: list[httpx.Request] = []

    def ok(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=GOOGLE_OK)

    assert google(ok).geocode(ADDRESS) == Geocoded(25.0375, 121.5637, "110台灣臺北市信義區市府路1號", "google")
    assert dict(seen[0].url.params) == {"address": ADDRESS, "key": "test-key", "language": "zh-TW", "region": "tw"}
    with pytest.raises(AddressNotFound):
        google(lambda r: httpx.Response(200, json={"results": [], "status": "ZERO_RESULTS"})).geocode("月球路1號")
    for status, message in (
        ("OVER_QUERY_LIMIT", "You have exceeded your rate-limit for this API."),
        ("REQUEST_DENIED", "The provided API key is invalid."),
        ("INVALID_REQUEST", ""),
    ):
        body = {"error_message": message, "results": [], "status": status}
        with pytest.raises(GeocoderUnavailable, match=status):
            google(lambda r, b=body: httpx.Response(200, json=b)).geocode(ADDRESS)
    with pytest.raises(GeocoderUnavailable):
        google(lambda r: httpx.Response(500, text="oops")).geocode(ADDRESS)


def test_sandbox_knows_real_places_in_any_spelling_and_nothing_else() -> None:
    sandbox = SandboxGeocoder()
    assert isinstance(sandbox, Geocoder)
    for spelling in ("臺北市信義區市府路1號", "110 台北市信義區市府路１號", "臺灣臺北市 信義區 市府路1號"):
        assert sandbox.geocode(spelling) == Geocoded(25.0375, 121.5637, "臺北市信義區市府路1號", "sandbox")
    with pytest.raises(AddressNotFound):
        sandbox.geocode("臺北市信義區市府路2號")


def test_normalise_address_folds_the_usual_variants() -> None:
    assert normalise_address(" 100 台北市 中正區  北平西路３號 ") == "臺北市 中正區 北平西路3號"
    assert normalise_address("No. 1, Shifu Rd") == "no. 1, shifu rd"


def test_cache_asks_the_provider_once_per_address_and_keeps_no_miss() -> None:
    class Memory:
        def __init__(self) -> None:
            self.rows: dict[tuple[str, str], Geocoded] = {}

        def get(self, provider: str, key: str) -> Geocoded | None:
            return self.rows.get((provider, key))

        def put(self, provider: str, key: str, found: Geocoded) -> None:
            self.rows[(provider, key)] = found

    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.params["q"])
        return httpx.Response(200, json=[NOMINATIM_PLACE] if "市府路" in request.url.params["q"] else [])

    memory = Memory()
    cached = CachedGeocoder(nominatim(handler, min_interval_s=0), memory)
    assert cached.geocode(ADDRESS).lat == cached.geocode("台北市信義區市府路1號").lat == 25.0375198
    assert calls == [ADDRESS] and list(memory.rows) == [("nominatim", normalise_address(ADDRESS))]
    for _ in range(2):
        with pytest.raises(AddressNotFound):
            cached.geocode("月球路1號")
    assert calls.count("月球路1號") == 2
