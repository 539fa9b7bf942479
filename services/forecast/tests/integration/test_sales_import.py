"""POST /api/v1/sales/import: the contract answer, all-or-nothing storage, upsert, jobs, tenancy."""

from __future__ import annotations

import csv
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from smartdist.kpi.models import KpiRecord
from smartdist_forecast.app import DEFINITION
from smartdist_forecast.sales import service as sales_service
from smartdist_forecast.sales.models import SalesDay

from .pos_slices import pos_slice

URL = "/api/v1/sales/import"


def sales_count(svc: Any, tenant: str) -> int:
    with svc.database.tenant_session(tenant) as session:
        return int(session.scalar(select(func.count()).select_from(SalesDay)))


def upload(svc: Any, tenant: str, data: bytes, **params: Any) -> Any:
    return svc.client.post(
        URL, headers=svc.headers(tenant), params=params, files={"file": ("pos.csv", data, "text/csv")}
    )


def wait_for_job(svc: Any, tenant: str, job_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = svc.client.get(f"/api/v1/jobs/{job_id}", headers=svc.headers(tenant)).json()
        if job["status"] in ("succeeded", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s")


def expected_bad_rows(shared_data_dir: Path) -> dict[int, str]:
    with open(shared_data_dir / "forecast" / "pos_bad_expected.csv", encoding="utf-8") as handle:
        return {int(r["data_row"]): r for r in csv.DictReader(handle)}  # type: ignore[misc]


def test_clean_slice_is_stored_and_reimport_upserts_without_duplicates(service_factory, shared_data_dir):
    data = pos_slice(shared_data_dir / "forecast" / "pos_sample.csv", days=30)
    with service_factory(DEFINITION) as svc:
        tenant = svc.new_tenant()
        first = upload(svc, tenant, data)
        assert first.status_code == 200, first.text
        assert first.json() == {"rows_accepted": 2 * 3 * 30, "rows_rejected": 0, "errors": []}
        again = upload(svc, tenant, data)
        assert again.status_code == 200
        assert sales_count(svc, tenant) == 180
        with svc.database.tenant_session(tenant) as session:
            imports = session.scalars(select(KpiRecord).where(KpiRecord.doc_type == "sales_import")).all()
            assert [r.status for r in imports] == ["imported", "imported"]


def test_big5_export_is_imported_like_utf8(service_factory, shared_data_dir):
    data = pos_slice(shared_data_dir / "forecast" / "pos_sample.csv", days=5).decode("utf-8").encode("cp950")
    with service_factory(DEFINITION) as svc:
        tenant = svc.new_tenant()
        answer = upload(svc, tenant, data)
        assert answer.status_code == 200, answer.text
        assert answer.json()["rows_accepted"] == 30
        with svc.database.tenant_session(tenant) as session:
            names = set(session.scalars(select(SalesDay.store_name)))
        assert names and all(name.endswith("店") for name in names)


def test_file_with_bad_rows_stores_nothing_and_names_each_row_and_column(service_factory, shared_data_dir):
    data = (shared_data_dir / "forecast" / "pos_bad.csv").read_bytes()
    expected = expected_bad_rows(shared_data_dir)
    with service_factory(DEFINITION) as svc:
        tenant = svc.new_tenant()
        answer = upload(svc, tenant, data)
        assert answer.status_code == 422
        assert answer.headers["content-type"].startswith("application/problem+json")
        body = answer.json()
        assert body["rows_accepted"] == 0
        rejected_rows = {e["row"] for e in body["errors"]}
        must_reject = {n for n, r in expected.items() if r["expected"] == "reject"}
        must_accept = {n for n, r in expected.items() if r["expected"] == "ok"}
        assert must_reject <= rejected_rows
        assert not must_accept & rejected_rows
        for error in body["errors"]:
            want = expected[error["row"]]
            if want["expected"] == "reject" and want["column"]:
                assert want["column"] in {e["column"] for e in body["errors"] if e["row"] == error["row"]}
            assert set(error) >= {"row", "column", "message"}
        assert sales_count(svc, tenant) == 0


def test_partial_import_stores_only_the_good_rows(service_factory, shared_data_dir):
    data = (shared_data_dir / "forecast" / "pos_bad.csv").read_bytes()
    with service_factory(DEFINITION) as svc:
        tenant = svc.new_tenant()
        answer = upload(svc, tenant, data, partial="true")
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["rows_accepted"] > 0 and body["rows_rejected"] > 0
        assert body["rows_accepted"] + body["rows_rejected"] == 31
        assert sales_count(svc, tenant) == body["rows_accepted"]


def test_wrong_header_is_refused_as_a_whole(service_factory, shared_data_dir):
    data = (shared_data_dir / "forecast" / "pos_bad_header.csv").read_bytes()
    with service_factory(DEFINITION) as svc:
        tenant = svc.new_tenant()
        answer = upload(svc, tenant, data, partial="true")
        assert answer.status_code == 422
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["code"] == "forecast.pos.header"
        assert answer.json()["detail"].startswith("表頭與 POS 格式不符：應為 店號,店名,銷售日期")
        english = upload(svc, tenant, data, partial="true", lang="en").json()["detail"]
        assert english.startswith("The header does not match the POS format: expected 店號,店名")
        assert "missing 店號、店名" in english
        assert sales_count(svc, tenant) == 0


def test_unreadable_bytes_are_a_422_not_a_500(service_factory):
    with service_factory(DEFINITION) as svc:
        tenant = svc.new_tenant()
        answer = upload(svc, tenant, b"\xff\xfe\x00\x81\x00garbage")
        assert answer.status_code == 422


def test_large_file_is_imported_by_a_job_with_the_same_answer(service_factory, shared_data_dir, monkeypatch):
    data = pos_slice(shared_data_dir / "forecast" / "pos_sample.csv", days=20)
    monkeypatch.setattr(sales_service, "LARGE_UPLOAD_BYTES", 1024)
    with service_factory(DEFINITION, background=True) as svc:
        tenant = svc.new_tenant()
        started = upload(svc, tenant, data)
        assert started.status_code == 202, started.text
        job = wait_for_job(svc, tenant, started.json()["job_id"])
        assert job["status"] == "succeeded", job
        assert job["result"] == {"rows_accepted": 120, "rows_rejected": 0, "errors": []}
        assert sales_count(svc, tenant) == 120


def test_another_tenants_import_neither_sees_nor_overwrites_the_first(service_factory, shared_data_dir):
    data = pos_slice(shared_data_dir / "forecast" / "pos_sample.csv", days=10)
    with service_factory(DEFINITION) as svc:
        tenant_a, tenant_b = svc.new_tenant(), svc.new_tenant()
        assert upload(svc, tenant_a, data).status_code == 200
        assert sales_count(svc, tenant_b) == 0
        assert upload(svc, tenant_b, data).status_code == 200
        assert sales_count(svc, tenant_a) == 60 and sales_count(svc, tenant_b) == 60


@pytest.mark.parametrize("role", ["driver"])
def test_roles_without_import_rights_are_refused(service_factory, shared_data_dir, role):
    data = pos_slice(shared_data_dir / "forecast" / "pos_sample.csv", days=5)
    with service_factory(DEFINITION) as svc:
        tenant = svc.new_tenant()
        answer = svc.client.post(URL, headers=svc.headers(tenant, [role]), files={"file": ("p.csv", data, "text/csv")})
        assert answer.status_code == 403
        assert sales_count(svc, tenant) == 0


def test_a_retry_with_the_same_idempotency_key_replays_without_a_second_import(
    service_factory, shared_data_dir, monkeypatch
):
    data = pos_slice(shared_data_dir / "forecast" / "pos_sample.csv", days=10)
    with service_factory(DEFINITION) as svc:
        tenant = svc.new_tenant()
        headers = svc.headers(tenant) | {"Idempotency-Key": "pos-1"}
        first = svc.client.post(URL, headers=headers, files={"file": ("pos.csv", data, "text/csv")})
        again = svc.client.post(URL, headers=headers, files={"file": ("pos.csv", data, "text/csv")})
        assert first.status_code == again.status_code == 200 and again.json() == first.json()
        assert again.headers.get("Idempotent-Replayed") == "true"
        with svc.database.tenant_session(tenant) as session:
            assert len(session.scalars(select(KpiRecord).where(KpiRecord.doc_type == "sales_import")).all()) == 1
        other_file = svc.client.post(URL, headers=headers, files={"file": ("pos.csv", data[:-40], "text/csv")})
        assert other_file.status_code == 422  # the key was used for another file
        monkeypatch.setattr(sales_service, "LARGE_UPLOAD_BYTES", 1024)
        big = svc.headers(tenant) | {"Idempotency-Key": "pos-big"}
        started = svc.client.post(URL, headers=big, files={"file": ("pos.csv", data, "text/csv")})
        retried = svc.client.post(URL, headers=big, files={"file": ("pos.csv", data, "text/csv")})
        assert started.status_code == retried.status_code == 202 and retried.json() == started.json()
        wait_for_job(svc, tenant, started.json()["job_id"])


class RecordingContext:
    """The parts of a JobContext the import job uses, recording each progress report."""

    def __init__(self, svc: Any, tenant: str) -> None:
        self.svc, self.tenant_id, self.job_id = svc, tenant, "job-under-test"
        self.services: dict[str, Any] = {}
        self.reports: list[tuple[float, str, dict[str, Any]]] = []

    def progress(self, fraction: float, message: str = "", *, force: bool = False, **params: Any) -> None:
        self.reports.append((fraction, message, params))

    def tenant_transaction(self) -> Any:
        return self.svc.database.tenant_transaction(self.tenant_id)


def test_the_import_job_reports_its_real_stages(service_factory, shared_data_dir, monkeypatch, tmp_path):
    """Issue 13 item 6: "伺服器處理中 100%" for 12 s. Reading moves with the bytes, then checking,
    then storing by rows written (on PostgreSQL; SQLite's single writer allows one report first)."""
    from smartdist_forecast.sales import jobs, repository

    monkeypatch.setattr(jobs, "JOB_CHUNK_ROWS", 300)
    monkeypatch.setattr(repository, "UPSERT_BATCH", 400)
    path = tmp_path / "upload.csv"
    path.write_bytes(pos_slice(shared_data_dir / "forecast" / "pos_sample.csv", stores=2, skus=3, days=200))
    with service_factory(DEFINITION) as svc:
        tenant = svc.new_tenant()
        ctx = RecordingContext(svc, tenant)
        answer = jobs.import_sales_job(ctx, {"path": str(path), "partial": False, "filename": "pos.csv"})  # type: ignore[arg-type]
        assert answer["rows_accepted"] == 1200 and sales_count(svc, tenant) == 1200
        fractions = [f for f, _, _ in ctx.reports]
        assert fractions == sorted(fractions) and fractions[-1] == 1.0
        stages = [m for _, m, _ in ctx.reports]
        reading = [p["percent"] for _, m, p in ctx.reports if m == "forecast.progress.import.reading"]
        assert len(reading) >= 4 and reading == sorted(reading) and reading[-1] == 100  # 1,200 rows / 300
        storing = [p for _, m, p in ctx.reports if m == "forecast.progress.import.storing"]
        if svc.database.engine.dialect.name == "postgresql":
            assert [p["done"] for p in storing] == [0, 400, 800, 1200] and storing[0]["total"] == 1200
            order = ["reading", "checking", "storing", "done"]
        else:
            assert storing == [] and ("forecast.progress.import.storing_all" in [m for _, m, _ in ctx.reports])
            order = ["reading", "checking", "storing_all", "done"]
        assert [s for s in order if f"forecast.progress.import.{s}" in stages] == order
        assert stages.index("forecast.progress.import.checking") > max(
            i for i, s in enumerate(stages) if s == "forecast.progress.import.reading"
        )
        # Every stage is a catalog key with both languages.
        from smartdist_forecast.messages import MESSAGES

        assert all(s in MESSAGES["zh-TW"] and s in MESSAGES["en"] for s in set(stages))
