"""POST /quotes and POST /deliveries/instant with addresses only, over HTTP: the quote, each
geocoding error in the merchant's words (zh-TW and English), the OpenAPI schema, tenancy."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from smartdist.auth.tokens import TokenSigner
from smartdist.config import PlatformSettings
from smartdist.geocoding import Geocoded, GeocoderUnavailable
from smartdist.geocoding.sandbox import SandboxGeocoder
from smartdist.runtime import ServiceRuntime
from smartdist.web.app import create_service_app
from smartdist_delivery_broker.adapters.registry import PlatformRegistry
from smartdist_delivery_broker.app import DEFINITION
from smartdist_delivery_broker.config import Settings as BrokerSettings
from smartdist_delivery_broker.quotes.service import QuotingContext

TAIPEI_101 = "臺北市信義區信義路五段7號"
MAIN_STATION = "台北市中正區北平西路3號"
CONTACTS = {
    "pickup_contact": {"name": "Store", "phone": "+886223456789"},
    "dropoff_contact": {"name": "Customer", "phone": "+886912345678"},
}


@dataclass
class CountingSandbox:
    """The sandbox gazetteer, counting what reaches it (what the cache did not answer)."""

    asked: list[str] = field(default_factory=list)
    name: str = "sandbox"

    def geocode(self, address: str, *, language: str = "zh-TW") -> Geocoded:
        self.asked.append(address)
        return SandboxGeocoder().geocode(address, language=language)


class Down:
    name = "nominatim"

    def geocode(self, address: str, *, language: str = "zh-TW") -> Geocoded:
        raise GeocoderUnavailable("Nominatim answered HTTP 503", address=address)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, ServiceRuntime, QuotingContext]]:
    data_dir: Path = tmp_path_factory.mktemp("broker-geocoding")
    runtime = ServiceRuntime(DEFINITION, PlatformSettings(data_dir=data_dir, run_background=False, log_json=False))
    app = create_service_app(runtime)
    settings = BrokerSettings(sandbox_quote_latency_s=0, quote_deadline_s=1.0, sandbox_duplicate_probability=0)
    context = QuotingContext(PlatformRegistry(settings))
    app.state.delivery_quoting = context
    with TestClient(app) as client:
        yield client, runtime, context


@pytest.fixture
def geocoder(service: Any) -> Iterator[CountingSandbox]:
    counting = CountingSandbox()
    service[2].geocoder = counting
    yield counting
    service[2].geocoder = SandboxGeocoder()


def headers(runtime: ServiceRuntime, tenant: str, lang: str | None = None) -> dict[str, str]:
    assert runtime.keys.private_pem is not None
    value, _ = TokenSigner(runtime.keys.private_pem).issue(
        kind="api_key", subject=f"key-{tenant}", tenant_id=tenant, roles=("owner",), ttl_s=None
    )
    return {"Authorization": f"Bearer {value}", **({"Accept-Language": lang} if lang else {})}


def quote(service: Any, body: Any, tenant: str = "tenant-a", lang: str | None = None) -> Any:
    client, runtime, _ = service
    return client.post("/api/v1/quotes", json=body, headers=headers(runtime, tenant, lang))


def test_an_address_only_quote_is_the_same_trip_as_its_coordinates_and_shows_what_was_found(
    service: Any, geocoder: CountingSandbox
) -> None:
    by_address = quote(
        service, {"pickup": {"address": TAIPEI_101}, "dropoff": {"address": MAIN_STATION}, "cod_amount": 0}, "tenant-q"
    )
    assert by_address.status_code == 200, by_address.text
    body = by_address.json()
    by_points = quote(
        service,
        {"pickup": {"lat": 25.0340, "lng": 121.5645}, "dropoff": {"lat": 25.0478, "lng": 121.5170}, "cod_amount": 0},
        "tenant-q",
    ).json()
    assert body["distance_m"] == by_points["distance_m"]
    assert {q["provider"]: q["fee"] for q in body["quotes"]} == {q["provider"]: q["fee"] for q in by_points["quotes"]}
    assert body["pickup"] == {
        "lat": 25.0340, "lng": 121.5645, "address": TAIPEI_101, "found_address": TAIPEI_101, "geocoder": "sandbox",
    }  # fmt: skip
    assert body["dropoff"]["address"] == MAIN_STATION and body["dropoff"]["found_address"] == "臺北市中正區北平西路3號"
    assert by_points["pickup"]["found_address"] is None  # coordinates given: nothing looked up
    # Coordinates with an address: the coordinates win, the address is not looked up.
    both = quote(
        service,
        {
            "pickup": {"lat": 25.0, "lng": 121.5, "address": "月球路1號"},
            "dropoff": {"address": MAIN_STATION},
            "cod_amount": 0,
        },
        "tenant-q",
    )
    assert both.status_code == 200 and both.json()["pickup"]["lat"] == 25.0
    assert geocoder.asked == [TAIPEI_101, MAIN_STATION]  # the second quote's dropoff came from the cache
    stored = service[0].get(f"/api/v1/quotes/{body['quote_set_id']}", headers=headers(service[1], "tenant-q")).json()
    assert stored["pickup"]["address"] == TAIPEI_101 and stored["pickup"]["lat"] == 25.0340


def test_tenant_b_does_not_get_tenant_as_cached_answers(service: Any, geocoder: CountingSandbox) -> None:
    point = {
        "pickup": {"address": "臺北市萬華區廣州街211號"},
        "dropoff": {"lat": 25.0478, "lng": 121.5170},
        "cod_amount": 0,
    }
    assert quote(service, point, "tenant-a").status_code == 200
    assert quote(service, point, "tenant-a").status_code == 200
    assert quote(service, point, "tenant-c").status_code == 200
    assert geocoder.asked == ["臺北市萬華區廣州街211號"] * 2  # once for A, once for C


def test_an_unknown_address_is_a_422_naming_the_point_in_the_merchants_language(service: Any) -> None:
    body = {"pickup": {"address": TAIPEI_101}, "dropoff": {"address": "月球路1號"}, "cod_amount": 0}
    zh = quote(service, body)
    assert zh.status_code == 422 and zh.headers["content-type"].startswith("application/problem+json")
    problem = zh.json()
    assert problem["code"] == "geocoding.not_found"
    assert problem["detail"] == "找不到地址「月球路1號」的位置：請檢查地址，或改填緯度與經度。"
    assert [(e["loc"], e["code"]) for e in problem["errors"]] == [
        (["body", "dropoff", "address"], "geocoding.not_found")
    ]
    en = quote(service, body, lang="en").json()
    assert en["detail"] == 'No place found at "月球路1號": check the address, or give lat and lng.'


def test_no_geocoder_is_a_422_saying_coordinates_are_needed(service: Any) -> None:
    context = service[2]
    context.geocoder = None
    try:
        body = {"pickup": {"address": TAIPEI_101}, "dropoff": {"lat": 25.0478, "lng": 121.5170}, "cod_amount": 0}
        zh = quote(service, body)
        en = quote(service, body, lang="en")
        with_points = quote(service, {**body, "pickup": {"lat": 25.0340, "lng": 121.5645}})
    finally:
        context.geocoder = SandboxGeocoder()
    assert zh.status_code == 422 and zh.json()["code"] == "geocoding.not_configured"
    assert "尚未設定地址查詢服務" in zh.json()["detail"] and "緯度與經度" in zh.json()["detail"]
    assert zh.json()["errors"][0]["loc"] == ["body", "pickup", "address"]
    assert "no address lookup is set up" in en.json()["detail"]
    assert with_points.status_code == 200  # coordinates work as ever


def test_a_provider_that_does_not_answer_is_a_503_with_retry_after(service: Any) -> None:
    context = service[2]
    context.geocoder = Down()
    try:
        response = quote(
            service,
            {"pickup": {"address": "臺北市信義區市府路1號"}, "dropoff": {"address": MAIN_STATION}, "cod_amount": 0},
        )
    finally:
        context.geocoder = SandboxGeocoder()
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    assert response.json()["code"] == "geocoding.unavailable"
    assert "nominatim" in response.json()["detail"] and "稍後再試" in response.json()["detail"]


@pytest.mark.parametrize(
    ("point", "named"),
    [
        ({"lat": 25.0, "address": TAIPEI_101}, "緯度與經度要一起填"),
        ({}, "請填寫地址"),
        ({"address": " "}, "請填寫地址"),
    ],
)
def test_half_a_point_is_a_validation_error_naming_it(service: Any, point: dict[str, Any], named: str) -> None:
    response = quote(service, {"pickup": point, "dropoff": {"address": MAIN_STATION}, "cod_amount": 0})
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["loc"] == ["body", "pickup"] and error["message"].startswith("取件地點") and named in error["message"]


def test_an_instant_booking_by_addresses_books_and_its_errors_name_the_point(service: Any) -> None:
    client, runtime, _ = service
    body = {"pickup": {"address": TAIPEI_101}, "dropoff": {"address": MAIN_STATION}, **CONTACTS}
    booked = client.post("/api/v1/deliveries/instant", json=body, headers=headers(runtime, "tenant-d"))
    assert booked.status_code == 201, booked.text
    detail = client.get(f"/api/v1/deliveries/{booked.json()['id']}", headers=headers(runtime, "tenant-d")).json()
    assert TAIPEI_101 in str(detail) and MAIN_STATION in str(detail)
    unknown = client.post(
        "/api/v1/deliveries/instant",
        json={**body, "pickup": {"address": "月球路1號"}},
        headers=headers(runtime, "tenant-d"),
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["loc"] == ["body", "pickup", "address"]
    other = client.get(f"/api/v1/deliveries/{booked.json()['id']}", headers=headers(runtime, "tenant-e"))
    assert other.status_code == 404


def test_openapi_says_lat_and_lng_are_optional_with_an_address_and_503_is_documented(service: Any) -> None:
    document = service[0].get("/openapi.json").json()
    point = document["components"]["schemas"]["Point"]
    assert not set(point.get("required", [])) & {"lat", "lng", "address"}
    assert "optional when `address` is given" in point["properties"]["lat"]["description"]
    assert "503" in document["paths"]["/api/v1/quotes"]["post"]["responses"]
    assert "503" in document["paths"]["/api/v1/deliveries/instant"]["post"]["responses"]
