"""POST /api/v1/online-orders/import: contract answer, all-or-nothing, Idempotency-Key, tenancy, training."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from smartdist.kpi.models import KpiRecord
from smartdist_forecast.app import DEFINITION
from smartdist_forecast.sales.models import OnlineOrderDay
from smartdist_forecast.sales.online_orders import ONLINE_HEADER

from .pos_slices import pos_slice
from .test_sales_import import upload, wait_for_job

URL = "/api/v1/online-orders/import"


def online_csv(rows: list[tuple[Any, ...]]) -> bytes:
    lines = [",".join(ONLINE_HEADER)] + [",".join(str(v) for v in row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def send(svc: Any, tenant: str, data: bytes, key: str | None = None, **params: Any) -> Any:
    headers = svc.headers(tenant) | ({"Idempotency-Key": key} if key else {})
    return svc.client.post(URL, headers=headers, params=params, files={"file": ("online.csv", data, "text/csv")})


def online_count(svc: Any, tenant: str) -> int:
    with svc.database.tenant_session(tenant) as session:
        return int(session.scalar(select(func.count()).select_from(OnlineOrderDay)))


def first_series(svc: Any, tenant: str) -> dict[str, Any]:
    return svc.client.get("/api/v1/series", headers=svc.headers(tenant)).json()["items"][0]


def test_clean_file_is_stored_once_and_a_retry_with_the_key_replays(service_factory, shared_data_dir):
    with service_factory(DEFINITION) as svc:
        tenant = svc.new_tenant()
        assert (
            upload(svc, tenant, pos_slice(shared_data_dir / "forecast" / "pos_sample.csv", days=10)).status_code == 200
        )
        series = first_series(svc, tenant)
        day = date.fromisoformat(series["last_date"])
        data = online_csv(
            [
                (day.isoformat(), series["store"], series["sku"], "delivery", 4, 1, 0),
                (day.isoformat(), series["store"], series["sku"], "pickup", 2, "", 1),
            ]
        )
        first = send(svc, tenant, data, key="online-1")
        assert first.status_code == 200, first.text
        assert first.json() == {"rows_accepted": 2, "rows_rejected": 0, "errors": []}
        again = send(svc, tenant, data, key="online-1")
        assert again.status_code == 200 and again.json() == first.json()
        assert again.headers.get("Idempotent-Replayed") == "true"
        assert send(svc, tenant, data, key="online-2").status_code == 200  # same rows, new key: an upsert
        assert online_count(svc, tenant) == 2
        with svc.database.tenant_session(tenant) as session:
            records = session.scalars(select(KpiRecord).where(KpiRecord.doc_type == "online_orders_import")).all()
            assert [r.status for r in records] == ["imported", "imported"]  # not three: the retry replayed
        reused = send(
            svc,
            tenant,
            online_csv([(day.isoformat(), series["store"], series["sku"], "delivery", 1, 0, 0)]),
            key="online-1",
        )
        assert reused.status_code == 422
        sales = svc.client.get(
            "/api/v1/sales",
            headers=svc.headers(tenant),
            params={"store": series["store"], "sku": series["sku"], "from": day.isoformat()},
        )
        items = sales.json()["items"]
        assert [(i["channel"], i["qty"], i["stockout_qty"], i["returned_qty"]) for i in items] == [
            ("delivery", 4, 1, 0),
            ("pickup", 2, 0, 1),
            ("pos", items[2]["qty"], 0, 0),
        ]
        listed = svc.client.get(
            "/api/v1/series", headers=svc.headers(tenant), params={"store": series["store"], "sku": series["sku"]}
        ).json()["items"]
        assert listed[0]["days"] == series["days"]  # same day as a POS row: still one day
        assert listed[0]["units"] == series["units"] + 6
        only_online = online_csv([(day.isoformat(), series["store"], "ONLINE-ONLY", "pickup", 3, 0, 0)])
        assert send(svc, tenant, only_online, key="online-3").status_code == 200
        [new] = svc.client.get("/api/v1/series", headers=svc.headers(tenant), params={"sku": "ONLINE-ONLY"}).json()[
            "items"
        ]
        assert (new["store"], new["days"], new["units"], new["first_date"]) == (series["store"], 1, 3, day.isoformat())
        other = svc.new_tenant()
        assert online_count(svc, other) == 0
        assert svc.client.get("/api/v1/series", headers=svc.headers(other)).json()["items"] == []
        assert (
            svc.client.get(
                "/api/v1/sales", headers=svc.headers(other), params={"store": series["store"], "sku": series["sku"]}
            ).json()["items"]
            == []
        )


def test_bad_rows_store_nothing_unless_partial_and_a_bad_header_is_refused(service_factory):
    with service_factory(DEFINITION) as svc:
        tenant = svc.new_tenant()
        data = online_csv(
            [
                ("2024-01-01", "10101", "11001010", "delivery", 4, 1, 0),
                ("2024-01-01", "10101", "11001010", "drone", 1, 0, 0),
                ("2024-01-32", "10101", "11001010", "pickup", 1, 0, 0),
                ("2024-01-02", "10101", "11001010", "pickup", -3, 0, 0),
            ]
        )
        refused = send(svc, tenant, data, key="bad-1")
        assert refused.status_code == 422
        assert refused.headers["content-type"].startswith("application/problem+json")
        body = refused.json()
        assert {(e["row"], e["column"]) for e in body["errors"]} == {(2, "channel"), (3, "date"), (4, "qty")}
        assert all(e["loc"][:2] == ["body", "file"] for e in body["errors"])
        assert body["rows_accepted"] == 0 and body["rows_rejected"] == 3
        assert online_count(svc, tenant) == 0
        partial = send(svc, tenant, data, key="bad-2", partial="true")
        assert partial.status_code == 200
        assert partial.json()["rows_accepted"] == 1 and partial.json()["rows_rejected"] == 3
        assert online_count(svc, tenant) == 1
        header = send(svc, tenant, b"day,shop,item,qty\n2024-01-01,1,2,3\n", partial="true")
        assert header.status_code == 422 and header.json()["code"] == "forecast.online.header"
        assert header.json()["detail"].startswith("表頭與線上訂單格式不符：應為 date,store,sku")
        assert header.json()["errors"][0]["loc"] == ["body", "file"]
        assert online_count(svc, tenant) == 1


def test_training_learns_from_online_orders_too(service_factory, shared_data_dir):
    data = pos_slice(shared_data_dir / "forecast" / "pos_sample.csv", days=400)
    with service_factory(DEFINITION, background=True) as svc:
        tenant = svc.new_tenant()
        assert upload(svc, tenant, data).status_code == 200
        series = first_series(svc, tenant)
        last_pos = date.fromisoformat(series["last_date"])
        # Three online-only days after the last POS export, one of them with a stock-out.
        rows = [
            (
                (last_pos + timedelta(days=k)).isoformat(),
                series["store"],
                series["sku"],
                "delivery",
                5,
                2 if k == 2 else 0,
                0,
            )
            for k in (1, 2, 3)
        ]
        assert send(svc, tenant, online_csv(rows), key="train-online").status_code == 200
        started = svc.client.post("/api/v1/training-runs", headers=svc.headers(tenant), json={"horizon_days": 7})
        job = wait_for_job(svc, tenant, started.json()["job_id"], timeout=120)
        assert job["status"] == "succeeded", job
        version = svc.client.get("/api/v1/model-versions", headers=svc.headers(tenant)).json()["items"][0]
        assert version["data_end"] == (last_pos + timedelta(days=3)).isoformat()
        forecast = svc.client.get(
            "/api/v1/forecasts",
            headers=svc.headers(tenant),
            params={"store": series["store"], "sku": series["sku"], "limit": 1},
        ).json()
        assert forecast["items"][0]["date"] == (last_pos + timedelta(days=4)).isoformat()
