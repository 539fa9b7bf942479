"""Scheduled retraining: after an import that brings a week of new sales, and on a periodic check."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from smartdist.db import utcnow
from smartdist.jobs import Job
from smartdist_forecast.app import DEFINITION
from smartdist_forecast.config import get_settings
from smartdist_forecast.modelling.retraining import RetrainingPolicy
from smartdist_forecast.publishing.domain import TRAIN_JOB
from smartdist_forecast.publishing.jobs import run_periodic_check
from smartdist_forecast.publishing.models import ModelVersion
from smartdist_forecast.publishing.service import check_all_tenants

from .pos_slices import pos_slice
from .test_sales_import import upload, wait_for_job


def split_by_day(data: bytes, last_days: int) -> tuple[bytes, bytes]:
    """(the file without its last ``last_days`` days, the file of only those days), both with the header."""
    header, *rows = data.decode("utf-8").splitlines()

    def day(row: str) -> date:
        y, m, d = (int(p) for p in row.split(",")[2].split("/"))
        return date(y, m, d)

    cut = max(day(r) for r in rows) - timedelta(days=last_days)
    old = [r for r in rows if day(r) <= cut]
    new = [r for r in rows if day(r) > cut]
    return ("\n".join([header, *old]) + "\n").encode(), ("\n".join([header, *new]) + "\n").encode()


def train_jobs(svc: Any, tenant: str) -> list[Job]:
    with svc.database.tenant_session(tenant) as session:
        return list(session.scalars(select(Job).where(Job.kind == TRAIN_JOB).order_by(Job.created_at)))


def test_an_import_with_a_week_of_new_sales_retrains_with_the_last_horizon(service_factory, shared_data_dir):
    old, new = split_by_day(pos_slice(shared_data_dir / "forecast" / "pos_sample.csv", days=400), last_days=10)
    with service_factory(DEFINITION, background=True) as svc:
        tenant = svc.new_tenant()
        assert upload(svc, tenant, old).status_code == 200
        assert train_jobs(svc, tenant) == []  # the first model is the merchant's call
        started = svc.client.post("/api/v1/training-runs", headers=svc.headers(tenant), json={"horizon_days": 9})
        assert wait_for_job(svc, tenant, started.json()["job_id"], timeout=120)["status"] == "succeeded"
        assert upload(svc, tenant, old).status_code == 200  # nothing new: no retraining
        assert len(train_jobs(svc, tenant)) == 1
        assert upload(svc, tenant, new).status_code == 200
        jobs = train_jobs(svc, tenant)
        assert len(jobs) == 2
        assert jobs[1].params["horizon_days"] == 9 and "10 days of new sales" in jobs[1].params["trigger"]
        assert wait_for_job(svc, tenant, jobs[1].id, timeout=120)["status"] == "succeeded"
        versions = svc.client.get("/api/v1/model-versions", headers=svc.headers(tenant)).json()["items"]
        assert len(versions) == 2
        assert date.fromisoformat(versions[0]["data_end"]) - date.fromisoformat(versions[1]["data_end"]) == timedelta(
            days=10
        )


def add_version(svc: Any, tenant: str, data_end: date, age: timedelta, horizon: int = 5) -> None:
    with svc.database.tenant_transaction(tenant) as session:
        session.add(
            ModelVersion(
                horizon_days=horizon,
                chosen_model="seasonal_naive",
                n_series=1,
                data_start=data_end - timedelta(days=29),
                data_end=data_end,
                metrics={},
                artefact="{}",
                created_at=utcnow() - age,
            )
        )


def test_periodic_check_retrains_only_stale_models_once_at_a_time(service_factory, shared_data_dir):
    data = pos_slice(shared_data_dir / "forecast" / "pos_sample.csv", stores=1, skus=1, days=30)
    policy = RetrainingPolicy(new_sales_days=7, max_age=timedelta(hours=1))
    with service_factory(DEFINITION) as svc:
        stale, fresh, untrained = svc.new_tenant(), svc.new_tenant(), svc.new_tenant()
        for tenant in (stale, fresh, untrained):
            assert upload(svc, tenant, data).status_code == 200
        last_day = date.fromisoformat(
            svc.client.get("/api/v1/series", headers=svc.headers(fresh)).json()["items"][0]["last_date"]
        )
        add_version(svc, stale, last_day, age=timedelta(hours=2), horizon=5)
        add_version(svc, fresh, last_day, age=timedelta(minutes=5))
        stop = threading.Event()
        queued: list[int] = []
        thread = threading.Thread(target=lambda: queued.append(run_periodic_check(svc.database, 0.05, stop, policy)))
        thread.start()
        deadline = time.monotonic() + 30
        while not train_jobs(svc, stale) and time.monotonic() < deadline:
            time.sleep(0.05)
        first = train_jobs(svc, stale)[0]
        # While that job is queued or running, later passes queue no second one.
        while True:
            with svc.database.tenant_session(stale) as session:
                status = session.get(Job, first.id).status  # type: ignore[union-attr]
            if status not in ("queued", "running") or time.monotonic() > deadline:
                break
            assert len(train_jobs(svc, stale)) == 1
            time.sleep(0.05)
        stop.set()
        thread.join(timeout=10)
        assert queued and queued[0] >= 1
        assert first.params["horizon_days"] == 5 and "older than" in first.params["trigger"]
        assert train_jobs(svc, fresh) == [] and train_jobs(svc, untrained) == []
        for job in train_jobs(svc, stale):
            wait_for_job(svc, stale, job.id, timeout=60)
        assert check_all_tenants(svc.database, RetrainingPolicy(new_sales_days=7, max_age=timedelta(days=1))) == {}


def test_the_periodic_check_runs_from_the_command_line(tmp_path, shared_data_dir):
    import os
    import subprocess
    import sys

    from smartdist.testing.platform import service_under_test

    data = pos_slice(shared_data_dir / "forecast" / "pos_sample.csv", stores=1, skus=1, days=30)
    url = f"sqlite:///{tmp_path / 'forecast.db'}"  # where the CLI's runtime finds forecast's data
    with service_under_test(DEFINITION, url, None, tmp_path) as svc:
        tenant = svc.new_tenant()
        assert upload(svc, tenant, data).status_code == 200
        last_day = date.fromisoformat(
            svc.client.get("/api/v1/series", headers=svc.headers(tenant)).json()["items"][0]["last_date"]
        )
        add_version(svc, tenant, last_day, age=timedelta(days=8), horizon=3)
    source = str(Path(__file__).resolve().parents[2] / "src")
    inherited = {k: v for k, v in os.environ.items() if not k.endswith("DATABASE_URL")}
    env = {
        **inherited,
        "SMARTDIST_DATA_DIR": str(tmp_path),
        "SMARTDIST_LOG_LEVEL": "WARNING",
        "SMARTDIST_JOBS_BACKEND": "inprocess",
        "PYTHONPATH": source,
    }
    done = subprocess.run(
        [sys.executable, "-m", "smartdist_forecast.publishing.schedule", "--once"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert tenant in done.stdout
    with service_under_test(DEFINITION, url, None, tmp_path) as svc:
        [job] = train_jobs(svc, tenant)
        assert job.params["horizon_days"] == 3 and job.status in ("succeeded", "failed")


@pytest.fixture
def check_every_tenth_of_a_second(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("SMARTDIST_FORECAST_RETRAIN_CHECK_INTERVAL_S", "0.1")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.mark.usefixtures("check_every_tenth_of_a_second")
def test_the_running_service_checks_on_its_own(service_factory, shared_data_dir):
    data = pos_slice(shared_data_dir / "forecast" / "pos_sample.csv", stores=1, skus=1, days=30)
    with service_factory(DEFINITION, background=True) as svc:
        tenant = svc.new_tenant()
        assert upload(svc, tenant, data).status_code == 200
        last_day = date.fromisoformat(
            svc.client.get("/api/v1/series", headers=svc.headers(tenant)).json()["items"][0]["last_date"]
        )
        add_version(svc, tenant, last_day, age=timedelta(days=8), horizon=3)
        deadline = time.monotonic() + 30
        while not train_jobs(svc, tenant) and time.monotonic() < deadline:
            time.sleep(0.05)
        [job] = train_jobs(svc, tenant)
        assert job.created_by == "forecast.retraining" and job.params["horizon_days"] == 3
        wait_for_job(svc, tenant, job.id, timeout=60)
