"""Orders by address (POST /orders and the order sheet) on SQLite and PostgreSQL: geocoded by the
configured provider through the tenant's cache; without a geocoder, the merchant is told what to do."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from smartdist.testing.platform import ServiceUnderTest
from smartdist_dispatch.app import DEFINITION
from smartdist_dispatch.geocoding.models import GeocodedAddress

CITY_HALL = "台北市信義區市府路1號"  # the sandbox gazetteer spells it 臺北市...


@pytest.fixture
def svc(service_factory) -> Iterator[ServiceUnderTest]:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as started:
        yield started


def order(no: str, **fields: object) -> dict[str, object]:
    return {"order_no": no, "customer_name": "林小姐"} | fields


def cached(svc: ServiceUnderTest, tenant: str) -> list[tuple[str, str]]:
    with svc.database.tenant_transaction(tenant) as session:
        return [(r.provider, r.address_key) for r in session.scalars(select(GeocodedAddress))]


def test_without_a_geocoder_an_address_alone_says_to_give_coordinates(
    svc: ServiceUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMARTDIST_DISPATCH_GEOCODER", "none")
    headers = svc.headers("t1", ("dispatcher",))
    answer = svc.client.post("/api/v1/orders", json=order("A-1", address=CITY_HALL), headers=headers)
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert problem["code"] == "dispatch.geocoding.not_configured"
    assert "經緯度" in problem["detail"]  # zh-TW when the request names no language
    # Coordinates keep working; half of them, or neither with no address, is the caller's mistake.
    assert (
        svc.client.post("/api/v1/orders", json=order("A-2", lat=25.03, lng=121.56), headers=headers).status_code == 201
    )
    assert svc.client.post("/api/v1/orders", json=order("A-3", lat=25.03), headers=headers).status_code == 422
    assert svc.client.post("/api/v1/orders", json=order("A-4"), headers=headers).status_code == 422
    sheet = "order_no,customer,address\nS-1,王小明,臺北市中正區北平西路3號\n".encode()
    imported = svc.client.post("/api/v1/orders/import", files={"file": ("o.csv", sheet)}, headers=headers).json()
    assert [(e["row"], e["column"], e["code"]) for e in imported["errors"]] == [
        (2, "address", "dispatch.geocoding.not_configured")
    ]


def test_sandbox_geocodes_addresses_once_per_tenant_and_names_the_rows_it_cannot(
    svc: ServiceUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMARTDIST_DISPATCH_GEOCODER", "sandbox")
    headers = svc.headers("t1", ("dispatcher",))
    created = svc.client.post("/api/v1/orders", json=order("A-1", address=CITY_HALL), headers=headers)
    assert created.status_code == 201, created.text
    assert (created.json()["lat"], created.json()["lng"], created.json()["address"]) == (25.0375, 121.5637, CITY_HALL)
    again = svc.client.post("/api/v1/orders", json=order("A-2", address="臺北市信義區市府路１號"), headers=headers)
    assert again.status_code == 201
    assert cached(svc, "t1") == [("sandbox", "臺北市信義區市府路1號")]
    assert cached(svc, "t2") == []  # another tenant's cache holds none of it
    given = svc.client.post(
        "/api/v1/orders", json=order("A-3", address=CITY_HALL, lat=25.1, lng=121.5), headers=headers
    )
    assert (given.json()["lat"], given.json()["lng"]) == (25.1, 121.5)  # given coordinates win

    unknown = svc.client.post(
        "/api/v1/orders", json=order("A-4", address="臺北市月球路1號"), headers=headers | {"Accept-Language": "en"}
    )
    assert unknown.status_code == 422 and unknown.json()["code"] == "dispatch.geocoding.not_found"
    assert "臺北市月球路1號" in unknown.json()["detail"]

    header = "order_no,customer,address,lat,lng\n"
    bad = header + "S-1,王小明,臺北市中正區北平西路3號,,\nS-2,林記,臺北市月球路1號,,\nS-3,陳記,某處,25.05,121.55\n"
    answer = svc.client.post("/api/v1/orders/import", files={"file": ("o.csv", bad.encode())}, headers=headers)
    assert answer.status_code == 422
    assert answer.json()["code"] == "dispatch.import.rows"
    assert [(e["row"], e["column"], e["code"]) for e in answer.json()["errors"]] == [
        (3, "address", "dispatch.geocoding.not_found")
    ]
    good = bad.replace("臺北市月球路1號", "新北市板橋區縣民大道二段7號")
    stored = svc.client.post("/api/v1/orders/import", files={"file": ("o.csv", good.encode())}, headers=headers)
    assert stored.status_code == 201, stored.text
    rows = {
        o["order_no"]: (o["lat"], o["lng"]) for o in svc.client.get("/api/v1/orders", headers=headers).json()["items"]
    }
    assert rows["S-1"] == (25.0478, 121.5170) and rows["S-2"] == (25.0143, 121.4637) and rows["S-3"] == (25.05, 121.55)


def test_a_depot_by_its_address_alone_on_the_api_and_in_a_sheet(
    svc: ServiceUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMARTDIST_DISPATCH_GEOCODER", "none")
    headers = svc.headers("t1", ("dispatcher",))
    by_address = {"code": "D1", "name": "市府倉", "address": CITY_HALL}
    unset = svc.client.post("/api/v1/depots", json=by_address, headers=headers)
    assert unset.status_code == 422 and unset.json()["code"] == "dispatch.geocoding.not_configured"
    monkeypatch.setenv("SMARTDIST_DISPATCH_GEOCODER", "sandbox")
    depot = svc.client.post("/api/v1/depots", json=by_address, headers=headers)
    assert depot.status_code == 201, depot.text
    assert (depot.json()["lat"], depot.json()["lng"]) == (25.0375, 121.5637)
    sheet = "code,name,address,lat,lng\nD2,板橋倉,新北市板橋區縣民大道二段7號,,\nD3,月球倉,臺北市月球路1號,,\n"
    bad = svc.client.post("/api/v1/depots/import", files={"file": ("d.csv", sheet.encode())}, headers=headers)
    assert [(e["row"], e["column"], e["code"]) for e in bad.json()["errors"]] == [
        (3, "address", "dispatch.geocoding.not_found")
    ]
    good = "code,name,address,lat,lng\nD2,板橋倉,新北市板橋區縣民大道二段7號,,\nD3,月球倉,,25.1,121.5\n"
    stored = svc.client.post("/api/v1/depots/import", files={"file": ("d.csv", good.encode())}, headers=headers)
    assert stored.status_code == 201, stored.text
    depots = {
        d["code"]: (d["lat"], d["lng"]) for d in svc.client.get("/api/v1/depots", headers=headers).json()["items"]
    }
    assert depots == {"D1": (25.0375, 121.5637), "D2": (25.0143, 121.4637), "D3": (25.1, 121.5)}
