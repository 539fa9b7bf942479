"""Queries of the model registry, the published forecast and the training jobs."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from smartdist.jobs import Job
from smartdist_forecast.publishing.domain import TRAIN_JOB
from smartdist_forecast.publishing.models import ForecastPoint, ModelVersion


def latest_version_id(session: Session) -> str | None:
    return session.scalar(select(ModelVersion.id).order_by(ModelVersion.id.desc()).limit(1))


def latest_version(session: Session) -> ModelVersion | None:
    return session.scalar(select(ModelVersion).order_by(ModelVersion.id.desc()).limit(1))


def model_versions_query() -> Select[Any]:
    return select(ModelVersion)


def model_versions(session: Session, limit: int = 50) -> list[ModelVersion]:
    return list(session.scalars(select(ModelVersion).order_by(ModelVersion.id.desc()).limit(limit)))


def latest_for_retraining(session: Session) -> Any:
    """(data_end, created_at, horizon_days) of the newest model version."""
    return session.execute(
        select(ModelVersion.data_end, ModelVersion.created_at, ModelVersion.horizon_days)
        .order_by(ModelVersion.created_at.desc(), ModelVersion.id.desc())
        .limit(1)
    ).first()


def tenants_with_models(session: Session) -> list[str]:
    return sorted(session.scalars(select(ModelVersion.tenant_id).distinct()))


def forecast_series(session: Session, version_id: str) -> set[tuple[str, str]]:
    """The store × SKU pairs the given model version forecasts."""
    rows = session.execute(
        select(ForecastPoint.store, ForecastPoint.sku).where(ForecastPoint.model_version_id == version_id).distinct()
    ).all()
    return {(r[0], r[1]) for r in rows}


def forecast_points(
    session: Session, store: str | None, sku: str | None, start: date | None, end: date | None
) -> Select[Any]:
    """The latest version's points, filtered (none when there is no version yet)."""
    stmt = select(ForecastPoint).where(ForecastPoint.model_version_id == (latest_version_id(session) or ""))
    if store is not None:
        stmt = stmt.where(ForecastPoint.store == store)
    if sku is not None:
        stmt = stmt.where(ForecastPoint.sku == sku)
    if start is not None:
        stmt = stmt.where(ForecastPoint.date >= start)
    if end is not None:
        stmt = stmt.where(ForecastPoint.date <= end)
    return stmt


def forecast_frame(session: Session, version_id: str, series: set[tuple[str, str]]) -> pd.DataFrame:
    """store, sku, date, yhat, yhat_lo, yhat_hi of the given series (a superset: stores × SKUs)."""
    points = session.execute(
        select(
            ForecastPoint.store,
            ForecastPoint.sku,
            ForecastPoint.date,
            ForecastPoint.yhat,
            ForecastPoint.yhat_lo,
            ForecastPoint.yhat_hi,
        )
        .where(ForecastPoint.model_version_id == version_id)
        .where(ForecastPoint.store.in_({s for s, _ in series}))
        .where(ForecastPoint.sku.in_({k for _, k in series}))
    ).all()
    return pd.DataFrame(points, columns=["store", "sku", "date", "yhat", "yhat_lo", "yhat_hi"])


def training_busy(session: Session) -> bool:
    """A training job of the session's tenant is queued or running."""
    return bool(
        session.scalar(
            select(func.count()).select_from(Job).where(Job.kind == TRAIN_JOB, Job.status.in_(("queued", "running")))
        )
    )


def running_training_job(session: Session) -> str | None:
    """A training run still queued or running, so the page can keep showing its progress."""
    return session.scalar(
        select(Job.id)
        .where(Job.kind == TRAIN_JOB, Job.status.in_(("queued", "running")))
        .order_by(Job.id.desc())
        .limit(1)
    )


def finished_jobs(session: Session, ids: set[str]) -> set[str]:
    return set(session.scalars(select(Job.id).where(Job.id.in_(ids), Job.status.in_(("succeeded", "failed")))))
