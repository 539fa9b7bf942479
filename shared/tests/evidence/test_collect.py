"""The evidence pack's own arithmetic: document counts, warnings, the period asked for."""

from __future__ import annotations

from datetime import date, datetime

import httpx
import pytest

from smartdist.evidence.collect import (
    DocumentCount,
    Period,
    ServiceEvidence,
    ServiceSource,
    collect_service,
    document_counts,
    warnings_for,
)
from smartdist.evidence.pages import BadPeriod, parse_period

SOURCE = ServiceSource("wms", "雲端倉儲管理", "http://wms.test")
PERIOD = Period(date(2026, 10, 1), date(2026, 11, 30))


def test_a_document_counts_once_under_its_latest_status() -> None:
    records = [
        {"doc_type": "outbound_order", "doc_no": "O-1", "status": "created", "at": "2026-11-01T09:00:00+08:00"},
        {"doc_type": "outbound_order", "doc_no": "O-1", "status": "shipped", "at": "2026-11-01T11:00:00+08:00"},
        {"doc_type": "outbound_order", "doc_no": "O-2", "status": "created", "at": "2026-11-02T09:00:00+08:00"},
        {"doc_type": "inbound_order", "doc_no": "O-1", "status": "completed", "at": "2026-11-03T09:00:00+08:00"},
    ]
    assert document_counts(records) == [
        DocumentCount("inbound_order", "completed", 1),
        DocumentCount("outbound_order", "created", 1),
        DocumentCount("outbound_order", "shipped", 1),
    ]


def test_warnings_name_a_missing_baseline_an_uncomputable_kpi_and_short_data() -> None:
    evidence = ServiceEvidence(
        source=SOURCE,
        kpis=[
            {"code": "processing_time_cut", "name": "單據處理時間縮短", "value": None, "detail": "no baseline"},
            {"code": "orders_completed", "name": "完成進出貨單", "value": 12.0, "detail": ""},
        ],
        baselines=[{"code": "paper_minutes_per_document", "name": "紙本單據處理時間", "value": None}],
        months_of_data=1.2,
    )
    warnings = warnings_for(evidence)
    assert [w.key for w in warnings] == [
        "evidence.warn.no_baseline",
        "evidence.warn.not_computable",
        "evidence.warn.short_data",
    ]
    assert warnings[0].values == {"baseline": "紙本單據處理時間"}
    assert warnings[1].values == {"kpi": "單據處理時間縮短", "why": "no baseline"}
    assert warnings[2].values == {"months": "1.2"}


def test_enough_data_and_every_baseline_entered_warns_of_nothing() -> None:
    evidence = ServiceEvidence(
        source=SOURCE,
        kpis=[{"code": "orders_completed", "name": "完成進出貨單", "value": 300.0}],
        baselines=[{"code": "paper_minutes_per_document", "name": "紙本", "value": 12.0}],
        months_of_data=2.5,
    )
    assert warnings_for(evidence) == []


def test_a_service_is_asked_for_the_same_period_and_its_answers_kept_as_given() -> None:
    asked: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        if request.url.path == "/api/v1/kpi/summary":
            kpi = {
                "code": "orders_completed",
                "name": "完成",
                "value": 3.0,
                "unit": "orders",
                "target": 250,
                "met": False,
            }
            kpis = [kpi]
            return httpx.Response(200, json={"kpis": kpis, "co2e_kg": 0.5, "notes": ["paper"]})
        if request.url.path == "/api/v1/kpi/baselines":
            return httpx.Response(200, json=[])
        lines = [
            '{"doc_type": "outbound_order", "doc_no": "O-1", "status": "shipped", "at": "2026-10-02T08:00:00+08:00"}',
            '{"doc_type": "outbound_order", "doc_no": "O-2", "status": "shipped", "at": "2026-11-20T08:00:00+08:00"}',
        ]
        return httpx.Response(200, text="\n".join(lines) + "\n")

    def clients(source: ServiceSource) -> httpx.Client:
        return httpx.Client(base_url=source.base_url, transport=httpx.MockTransport(answer))

    evidence = collect_service(SOURCE, PERIOD, clients)
    assert {(r.url.path, r.url.params.get("from"), r.url.params.get("to")) for r in asked} == {
        ("/api/v1/kpi/summary", "2026-10-01", "2026-11-30"),
        ("/api/v1/kpi/baselines", None, None),
        ("/api/v1/kpi/logs", "2026-10-01", "2026-11-30"),
    }
    assert evidence.kpis[0]["value"] == 3.0 and evidence.co2e_kg == 0.5 and evidence.notes == ["paper"]
    assert evidence.documents == [DocumentCount("outbound_order", "shipped", 2)]
    assert evidence.first_record_at == datetime.fromisoformat("2026-10-02T08:00:00+08:00")
    assert evidence.months_of_data == pytest.approx(59.67 / 30.44, abs=0.01)
    assert [w.key for w in evidence.warnings] == ["evidence.warn.short_data"]


def test_an_unreachable_service_is_reported_not_fatal() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    evidence = collect_service(
        SOURCE, PERIOD, lambda s: httpx.Client(base_url=s.base_url, transport=httpx.MockTransport(refuse))
    )
    assert evidence.unreachable == "ConnectError"
    assert [w.key for w in evidence.warnings] == ["evidence.warn.unreachable"]


def test_the_period_defaults_to_the_last_90_days_and_refuses_nonsense() -> None:
    assert parse_period(None, None, today=date(2026, 12, 4)) == Period(date(2026, 9, 6), date(2026, 12, 4))
    assert parse_period("2026-11-01", "2026-11-30") == Period(date(2026, 11, 1), date(2026, 11, 30))
    for start, end in (("2026-12-01", "2026-11-01"), ("2026-13-01", None), ("2020-01-01", "2026-01-01")):
        with pytest.raises(BadPeriod):
            parse_period(start, end)
