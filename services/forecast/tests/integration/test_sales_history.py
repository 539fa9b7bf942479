"""GET /api/v1/series and GET /api/v1/sales: imported series and their daily actuals, per tenant."""

from __future__ import annotations

import csv
import io
from typing import Any

from smartdist_forecast.app import DEFINITION

from .pos_slices import pos_slice


def imported(svc: Any, shared_data_dir: Any, days: int = 30) -> str:
    tenant = svc.new_tenant()
    data = pos_slice(shared_data_dir / "forecast" / "pos_sample.csv", days=days)
    answer = svc.client.post(
        "/api/v1/sales/import", headers=svc.headers(tenant), files={"file": ("pos.csv", data, "text/csv")}
    )
    assert answer.status_code == 200, answer.text
    return tenant


def test_series_lists_each_store_sku_once_with_paging_and_filters(service_factory, shared_data_dir):
    with service_factory(DEFINITION) as svc:
        tenant = imported(svc, shared_data_dir)
        headers = svc.headers(tenant)
        first = svc.client.get("/api/v1/series", headers=headers, params={"limit": 4})
        assert first.status_code == 200, first.text
        page = first.json()
        assert len(page["items"]) == 4 and page["next_cursor"]
        rest = svc.client.get(
            "/api/v1/series", headers=headers, params={"limit": 4, "cursor": page["next_cursor"]}
        ).json()
        assert len(rest["items"]) == 2 and rest["next_cursor"] is None
        items = page["items"] + rest["items"]
        keys = [(i["store"], i["sku"]) for i in items]
        assert keys == sorted(set(keys)) and len(keys) == 6
        sales = svc.client.get(
            "/api/v1/sales", headers=headers, params={"store": keys[0][0], "sku": keys[0][1]}
        ).json()["items"]
        first_item = items[0]
        assert first_item["days"] == 30 == len(sales)
        assert first_item["units"] == sum(s["qty"] for s in sales)
        assert first_item["first_date"] == sales[0]["date"] and first_item["last_date"] == sales[-1]["date"]
        assert first_item["store_name"] and first_item["product_name"]
        assert set(first_item) == {
            "store",
            "store_name",
            "sku",
            "product_name",
            "category",
            "first_date",
            "last_date",
            "days",
            "units",
        }
        only = svc.client.get("/api/v1/series", headers=headers, params={"store": keys[0][0]}).json()["items"]
        assert {i["store"] for i in only} == {keys[0][0]} and len(only) == 3
        one = svc.client.get("/api/v1/series", headers=headers, params={"sku": keys[0][1]}).json()["items"]
        assert {i["sku"] for i in one} == {keys[0][1]} and len(one) == 2
        bad = svc.client.get("/api/v1/series", headers=headers, params={"cursor": "bm90LWEtY3Vyc29y"})
        assert bad.status_code == 422


def test_sales_of_one_series_by_day_with_range_paging_and_csv(service_factory, shared_data_dir):
    with service_factory(DEFINITION) as svc:
        tenant = imported(svc, shared_data_dir)
        headers = svc.headers(tenant)
        series = svc.client.get("/api/v1/series", headers=headers).json()["items"][0]
        params = {"store": series["store"], "sku": series["sku"]}
        whole = svc.client.get("/api/v1/sales", headers=headers, params=params).json()
        days = [i["date"] for i in whole["items"]]
        assert days == sorted(days) and whole["next_cursor"] is None
        assert {i["channel"] for i in whole["items"]} == {"pos"}
        assert all(i["amount"] >= 0 and i["qty"] >= 0 for i in whole["items"])
        window = svc.client.get(
            "/api/v1/sales", headers=headers, params={**params, "from": days[5], "to": days[9]}
        ).json()["items"]
        assert [i["date"] for i in window] == days[5:10]
        paged: list[dict[str, Any]] = []
        cursor = None
        while True:
            page = svc.client.get(
                "/api/v1/sales",
                headers=headers,
                params={**params, "limit": 7, **({"cursor": cursor} if cursor else {})},
            ).json()
            paged += page["items"]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert paged == whole["items"]
        text = svc.client.get("/api/v1/sales", headers=headers, params={**params, "format": "csv"})
        assert text.status_code == 200 and text.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(text.content.decode("utf-8-sig"))))
        assert [r["date"] for r in rows] == days
        assert [int(r["qty"]) for r in rows] == [i["qty"] for i in whole["items"]]
        backwards = svc.client.get("/api/v1/sales", headers=headers, params={**params, "from": days[9], "to": days[0]})
        assert backwards.status_code == 422
        assert backwards.headers["content-type"].startswith("application/problem+json")
        missing = svc.client.get("/api/v1/sales", headers=headers, params={"store": series["store"]})
        assert missing.status_code == 422


def test_another_tenant_sees_no_series_and_no_sales(service_factory, shared_data_dir):
    with service_factory(DEFINITION) as svc:
        tenant = imported(svc, shared_data_dir, days=10)
        series = svc.client.get("/api/v1/series", headers=svc.headers(tenant)).json()["items"][0]
        other = svc.headers(svc.new_tenant())
        assert svc.client.get("/api/v1/series", headers=other).json() == {"items": [], "next_cursor": None}
        answer = svc.client.get("/api/v1/sales", headers=other, params={"store": series["store"], "sku": series["sku"]})
        assert answer.json() == {"items": [], "next_cursor": None}
