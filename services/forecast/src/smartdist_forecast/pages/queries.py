"""Read-only queries behind the pages, always through the caller's tenant-scoped session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartdist.jobs.models import Job
from smartdist.kpi.models import KpiRecord
from smartdist_forecast.kpi import SIMULATION
from smartdist_forecast.publishing.training_job import TRAIN_JOB
from smartdist_forecast.tables import ForecastPoint, ModelVersion, SalesDay

# The model registry's metric names, in the order the accuracy table shows them.
MODEL_ORDER = ("global_lightgbm", "ets_weekly", "seasonal_naive")


@dataclass(frozen=True)
class Series:
    store: str
    store_name: str
    sku: str
    product_name: str
    first_date: date
    last_date: date
    days: int


def imported_series(session: Session) -> list[Series]:
    """Every imported store × SKU with its names and first/last day (one GROUP BY)."""
    rows = session.execute(
        select(
            SalesDay.store,
            func.max(SalesDay.store_name),
            SalesDay.sku,
            func.max(SalesDay.sku_name),
            func.min(SalesDay.date),
            func.max(SalesDay.date),
            func.count(),
        )
        .group_by(SalesDay.store, SalesDay.sku)
        .order_by(SalesDay.store, SalesDay.sku)
    ).all()
    return [Series(r[0], r[1] or "", r[2], r[3] or "", r[4], r[5], int(r[6])) for r in rows]


def latest_version(session: Session) -> ModelVersion | None:
    return session.scalar(select(ModelVersion).order_by(ModelVersion.id.desc()).limit(1))


def model_versions(session: Session, limit: int = 50) -> list[ModelVersion]:
    return list(session.scalars(select(ModelVersion).order_by(ModelVersion.id.desc()).limit(limit)))


def forecast_series(session: Session, version_id: str) -> set[tuple[str, str]]:
    """The store × SKU pairs the given model version forecasts."""
    rows = session.execute(
        select(ForecastPoint.store, ForecastPoint.sku).where(ForecastPoint.model_version_id == version_id).distinct()
    ).all()
    return {(r[0], r[1]) for r in rows}


def ordered_models(metrics: dict[str, Any]) -> list[str]:
    """The registry's models, known ones first in a fixed order, then any others by name."""
    known = [name for name in MODEL_ORDER if name in metrics]
    return known + sorted(name for name in metrics if name not in MODEL_ORDER)


@dataclass(frozen=True)
class SimulationRun:
    job_id: str
    at: datetime
    params: dict[str, Any]
    figures: dict[str, Any]


def latest_simulation(session: Session) -> SimulationRun | None:
    """The newest inventory simulation's KPI record (the evidence of KPI 1) and its job's parameters."""
    rec = session.scalar(
        select(KpiRecord)
        .where(KpiRecord.doc_type == SIMULATION, KpiRecord.status == "simulated")
        .order_by(KpiRecord.id.desc())
        .limit(1)
    )
    if rec is None:
        return None
    job = session.get(Job, rec.doc_no)
    params = dict(job.params) if job is not None and job.tenant_id == rec.tenant_id else {}
    return SimulationRun(job_id=rec.doc_no, at=rec.at, params=params, figures=dict(rec.extra or {}))


def running_training_job(session: Session) -> str | None:
    """A training run still queued or running, so the page can keep showing its progress."""
    return session.scalar(
        select(Job.id)
        .where(Job.kind == TRAIN_JOB, Job.status.in_(("queued", "running")))
        .order_by(Job.id.desc())
        .limit(1)
    )
