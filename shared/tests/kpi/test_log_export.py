"""KPI log export for the acceptance meeting: times in Asia/Taipei with their offset (SPEC §2),
the contract's field names by default and SPEC §3's zh-TW names on request."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from smartdist.kpi import record
from smartdist.testing.platform import ServiceUnderTest
from smartdist.testing.sample import SAMPLE, SampleBase


@pytest.fixture
def svc(service_factory) -> Iterator[ServiceUnderTest]:  # type: ignore[no-untyped-def]
    with service_factory(SAMPLE) as started:
        SampleBase.metadata.create_all(started.database.engine)
        with started.database.tenant_transaction("t1") as session:
            record(
                session,
                service="sample",
                doc_type="note",
                doc_no="N-1",
                status="created",
                sender="store",
                receiver="archive",
                sent_at=datetime(2026, 12, 4, 10, 20, tzinfo=UTC),
                received_at=datetime(2026, 12, 4, 10, 25, 30, 250000, tzinfo=UTC),
                elapsed_s=330.25,
            )
        yield started


def rows_of(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")  # Excel opens the Chinese text as UTF-8
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def test_times_are_taipei_with_offset_in_csv_and_jsonl(svc: ServiceUnderTest) -> None:
    h = svc.headers("t1")
    header, row = rows_of(svc.client.get("/api/v1/kpi/logs", params={"format": "csv"}, headers=h).text)
    values = dict(zip(header, row, strict=True))
    assert header[:4] == ["tenant_id", "service", "doc_type", "doc_no"]  # the contract's names by default
    assert values["sent_at"] == "2026-12-04T18:20:00+08:00"
    assert values["received_at"] == "2026-12-04T18:25:30.250+08:00"
    assert values["at"].endswith("+08:00") and values["doc_no"] == "N-1"
    line = json.loads(svc.client.get("/api/v1/kpi/logs", headers=h).text.splitlines()[0])
    assert line["sent_at"] == "2026-12-04T18:20:00+08:00"
    assert datetime.fromisoformat(line["received_at"]) == datetime(2026, 12, 4, 10, 25, 30, 250000, tzinfo=UTC)


def test_zh_tw_header_names_the_columns_as_spec_3_does(svc: ServiceUnderTest) -> None:
    h = svc.headers("t1")
    answer = svc.client.get("/api/v1/kpi/logs", params={"format": "csv", "header": "zh-TW"}, headers=h)
    header, row = rows_of(answer.text)
    assert header[:10] == [
        "商家代號",
        "服務",
        "文件名稱",
        "編號",
        "收送方（寄件方）",
        "收送方（收件方）",
        "收送件時間（寄件）",
        "收送件時間（收件）",
        "狀態",
        "記錄時間",
    ]
    assert row[2:6] == ["note", "N-1", "store", "archive"] and row[6] == "2026-12-04T18:20:00+08:00"
    bad = svc.client.get("/api/v1/kpi/logs", params={"format": "csv", "header": "fr"}, headers=h)
    assert bad.status_code == 422 and bad.json()["errors"][0]["code"] == "validation.literal_error"


def test_kpi_names_units_and_keyed_notes_follow_the_request_language(service_factory) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    messages = {
        "zh-TW": {"kpi.name.notes": "筆記數", "kpi.unit.notes": "則"},
        "en": {"kpi.name.notes": "notes written", "kpi.unit.notes": "notes"},
    }
    with service_factory(replace(SAMPLE, messages=messages)) as svc:
        SampleBase.metadata.create_all(svc.database.engine)
        h = svc.headers("t1")
        zh = svc.client.get("/api/v1/kpi/summary", headers=h).json()["kpis"][0]
        assert (zh["code"], zh["name"]) == ("notes", "筆記數")
        en = svc.client.get("/api/v1/kpi/summary", headers={**h, "Accept-Language": "en"}).json()["kpis"][0]
        assert (en["code"], en["name"]) == ("notes", "notes written")
