"""The broker's geocoding cache on SQLite and PostgreSQL: Nominatim over an httpx MockTransport,
asked once per tenant and address (台/臺 and full-width digits are one address), never for
another tenant's cache, and its failures as the merchant's problems."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import func, select

from smartdist.db import Database
from smartdist.geocoding.nominatim import NominatimGeocoder
from smartdist.geocoding.sandbox import SandboxGeocoder
from smartdist.migrate import upgrade
from smartdist_delivery_broker.db import Base
from smartdist_delivery_broker.geocoding.domain import AddressUnknown, GeocoderDown
from smartdist_delivery_broker.geocoding.models import GeocodedAddressRow
from smartdist_delivery_broker.geocoding.service import PointAsked, locate

CITY_HALL = "臺北市信義區市府路1號"


@pytest.fixture
def database(empty_database: Database) -> Database:
    upgrade(empty_database, "smartdist_delivery_broker", Base)
    return empty_database


def nominatim(handler: Callable[[httpx.Request], httpx.Response]) -> NominatimGeocoder:
    client = httpx.Client(transport=httpx.MockTransport(handler))
    return NominatimGeocoder(
        user_agent="smartdist-test/1.0", base_url="http://osm.test", min_interval_s=0, client=client
    )


def test_an_address_reaches_the_provider_once_per_tenant_and_tenant_b_never_reads_a_cache(
    database: Database,
) -> None:
    asked: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        place = [{"lat": "25.0375", "lon": "121.5637", "display_name": "市府路1號, 信義區, 臺北市, 臺灣"}]
        return httpx.Response(200, content=json.dumps(place).encode())

    geocoder = nominatim(answer)
    first = locate(geocoder, database, "tenant-a", "pickup", PointAsked(None, None, CITY_HALL), language="en")
    assert (first.place.lat, first.place.lng) == (25.0375, 121.5637)
    assert first.place.address == CITY_HALL  # the courier reads the merchant's words
    assert first.found is not None and first.found.address == "市府路1號, 信義區, 臺北市, 臺灣"
    assert asked[0].url.params["q"] == CITY_HALL and asked[0].url.params["accept-language"] == "en"
    assert asked[0].headers["User-Agent"] == "smartdist-test/1.0"

    # Another spelling of the same address, same tenant: from the cache.
    again = locate(geocoder, database, "tenant-a", "dropoff", PointAsked(None, None, " 110 台北市信義區市府路１號 "))
    assert len(asked) == 1 and again.found == first.found

    # Tenant B has a cache of its own: the provider is asked again, and each tenant sees its row only.
    locate(geocoder, database, "tenant-b", "pickup", PointAsked(None, None, CITY_HALL))
    assert len(asked) == 2
    for tenant in ("tenant-a", "tenant-b"):
        with database.tenant_session(tenant) as session:
            rows = session.scalars(select(GeocodedAddressRow)).all()
            assert [(r.tenant_id, r.provider, r.address_key) for r in rows] == [(tenant, "nominatim", CITY_HALL)]


def test_not_found_is_not_cached_and_a_silent_provider_is_a_503_with_retry_after(database: Database) -> None:
    statuses = iter([200, 503])
    calls: list[int] = []

    def answer(request: httpx.Request) -> httpx.Response:
        status = next(statuses)
        calls.append(status)
        return httpx.Response(status, content=b"[]")

    geocoder = nominatim(answer)
    with pytest.raises(AddressUnknown) as unknown:
        locate(geocoder, database, "tenant-a", "dropoff", PointAsked(None, None, "月球路1號"))
    assert unknown.value.code == "geocoding.not_found" and (unknown.value.errors or [{}])[0]["loc"] == [
        "body",
        "dropoff",
        "address",
    ]
    with pytest.raises(GeocoderDown) as down:  # asked again: a miss is not kept
        locate(geocoder, database, "tenant-a", "dropoff", PointAsked(None, None, "月球路1號"))
    assert down.value.status == 503 and down.value.headers["Retry-After"] == "30"
    assert down.value.code == "geocoding.unavailable" and calls == [200, 503]
    with database.tenant_session("tenant-a") as session:
        assert session.scalar(select(func.count()).select_from(GeocodedAddressRow)) == 0


def test_the_sandbox_gazetteer_locates_real_taipei_addresses(database: Database) -> None:
    found = locate(SandboxGeocoder(), database, "tenant-a", "pickup", PointAsked(None, None, "台北市中正區北平西路3號"))
    assert (found.place.lat, found.place.lng) == (25.0478, 121.5170)
    assert found.found is not None and found.found.address == "臺北市中正區北平西路3號"
    with pytest.raises(AddressUnknown):  # a NUL (PostgreSQL text cannot hold one) is not found, never a 500
        locate(SandboxGeocoder(), database, "tenant-a", "pickup", PointAsked(None, None, "臺北市\x00信義區"))
