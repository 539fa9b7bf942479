"""smartdist.wms.stock.changed -> stock_level (last write wins, dead letters), GET /stock, recommendations."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from smartdist.bus.consumer import Consumer
from smartdist.bus.envelope import CloudEvent
from smartdist.bus.models import OutboxEvent
from smartdist_forecast.app import DEFINITION
from smartdist_forecast.replenishment.domain import SUGGESTED_EVENT
from smartdist_forecast.stock.consumer import STOCK_CHANGED

from .pos_slices import pos_slice
from .test_replenishment_api import CSV_HEADER, POLICY, URL, kpi_count
from .test_sales_import import upload
from .test_training_and_forecasts import train

T0 = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


def stock_event(tenant: str | None, **data: Any) -> CloudEvent:
    return CloudEvent.create(type=STOCK_CHANGED, subject=str(data.get("sku", "")), data=data, tenant_id=tenant)


def consumer_of(svc: Any) -> Consumer:
    consumer = Consumer(
        svc.runtime.bus,
        svc.database,
        "forecast",
        svc.runtime.subscriptions(),
        "test",
        max_deliveries=2,
        claim_idle_ms=0,
    )
    consumer.ensure_groups()
    return consumer


def deliver(svc: Any, consumer: Consumer, *events: CloudEvent) -> None:
    for event in events:
        svc.runtime.bus.publish(event.stream, event.to_json())
    for _ in range(6):  # enough rounds for failing messages to reach the dead letters
        consumer.run_once(block_ms=0)


def stock(svc: Any, tenant: str, **params: Any) -> list[dict[str, Any]]:
    answer = svc.client.get("/api/v1/stock", headers=svc.headers(tenant), params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


def test_latest_count_wins_by_time_taken_and_bad_events_go_to_the_dead_letters(service_factory):
    with service_factory(DEFINITION) as svc:
        tenant, other = svc.new_tenant(), svc.new_tenant()
        consumer = consumer_of(svc)
        newest = stock_event(tenant, store="10101", sku="A1", on_hand=7, at=T0.isoformat())
        deliver(
            svc,
            consumer,
            stock_event(tenant, store="10101", sku="A1", on_hand=3, at=(T0 - timedelta(hours=1)).isoformat()),
            newest,
            stock_event(
                tenant,
                location="10101",
                sku="A1",
                on_hand=99,  # older count, arriving late
                at=(T0 - timedelta(minutes=30)).isoformat(),
            ),
            newest,  # delivered twice
            stock_event(tenant, location=10102, sku=55, on_hand=2.5, at="2026-11-26T17:00:00+08:00"),
            stock_event(tenant, warehouse="DC1", sku="A1", on_hand=500),
        )
        rows = {(r["store"], r["sku"]): r for r in stock(svc, tenant)}
        assert rows[("10101", "A1")]["on_hand"] == 7
        assert datetime.fromisoformat(rows[("10101", "A1")]["at"]) == T0
        assert rows[("10102", "55")]["on_hand"] == 2.5
        assert datetime.fromisoformat(rows[("10102", "55")]["at"]) == T0 + timedelta(hours=1)
        assert rows[("DC1", "A1")]["location_kind"] == "warehouse"
        assert stock(svc, tenant, store="10101") == [rows[("10101", "A1")]]
        assert stock(svc, other) == []
        assert svc.runtime.bus.dead_letters() == []

        bad = [
            stock_event(tenant, store="10101", sku="A1", on_hand=-1),
            stock_event(tenant, store="10101", sku="A1", on_hand="7"),
            stock_event(tenant, sku="A1", on_hand=1),
            stock_event(tenant, store="10101", location="10102", sku="A1", on_hand=1),
            stock_event(tenant, store="10101", sku="A1", on_hand=1, at="yesterday"),
            stock_event(tenant, store="10101", sku="A1", on_hand=1, at="2026-11-26T09:00:00"),
            stock_event(None, store="10101", sku="A1", on_hand=1),
        ]
        deliver(svc, consumer, *bad)
        letters = svc.runtime.bus.dead_letters()
        assert sorted(json.loads(letter.payload)["id"] for letter in letters) == sorted(e.id for e in bad)
        assert stock(svc, tenant, store="10101")[0]["on_hand"] == 7  # nothing changed


def test_recommendations_use_the_wms_counts_and_a_retry_with_the_key_logs_nothing_twice(
    service_factory, shared_data_dir
):
    data = pos_slice(shared_data_dir / "forecast" / "pos_sample.csv", stores=1, skus=2, days=200)
    with service_factory(DEFINITION, background=True) as svc:
        tenant = svc.new_tenant()
        assert upload(svc, tenant, data).status_code == 200
        assert train(svc, tenant)["status"] == "succeeded"
        series = [
            (s["store"], s["sku"])
            for s in svc.client.get("/api/v1/series", headers=svc.headers(tenant)).json()["items"]
        ]
        headers = svc.headers(tenant)
        nothing = svc.client.post(URL, headers=headers, json=POLICY)
        assert nothing.status_code == 422 and nothing.json()["errors"][0]["loc"] == ["body", "stock"]
        missing = svc.client.post(
            URL, headers=headers, json={**POLICY, "stock": [{"store": series[0][0], "sku": series[0][1]}]}
        )
        assert missing.status_code == 422
        assert missing.json()["errors"][0]["loc"] == ["body", "stock", 0, "on_hand"]
        consumer = consumer_of(svc)
        deliver(
            svc,
            consumer,
            *(stock_event(tenant, store=s, sku=k, on_hand=4, at=T0.isoformat()) for s, k in series),
            stock_event(tenant, store="elsewhere", sku="no-forecast", on_hand=1),
        )
        assert kpi_count(svc, tenant, "replenishment") == 0

        from_wms = svc.client.post(URL, headers=headers | {"Idempotency-Key": "rec-1"}, json=POLICY)
        assert from_wms.status_code == 200, from_wms.text
        items = from_wms.json()["items"]
        assert [(i["store"], i["sku"], i["on_hand"]) for i in items] == [(s, k, 4) for s, k in series]
        again = svc.client.post(URL, headers=headers | {"Idempotency-Key": "rec-1"}, json=POLICY)
        assert again.json() == from_wms.json() and again.headers.get("Idempotent-Replayed") == "true"
        as_csv = svc.client.post(
            URL, headers=headers | {"Idempotency-Key": "rec-1"}, params={"format": "csv"}, json=POLICY
        )
        lines = as_csv.content.decode("utf-8-sig").splitlines()
        assert lines[0] == CSV_HEADER and len(lines) == 1 + len(series)
        assert kpi_count(svc, tenant, "replenishment") == len(series)  # once, not three times
        with svc.database.system_session() as session:
            assert len(session.scalars(select(OutboxEvent).where(OutboxEvent.type == SUGGESTED_EVENT)).all()) == 1

        mixed = svc.client.post(
            URL,
            headers=headers,
            json={
                **POLICY,
                "stock": [
                    {"store": series[0][0], "sku": series[0][1]},
                    {"store": series[1][0], "sku": series[1][1], "on_hand": 40},
                ],
            },
        )
        assert mixed.status_code == 200, mixed.text
        assert [i["on_hand"] for i in mixed.json()["items"]] == [4, 40]
