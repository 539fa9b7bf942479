"""Use cases of training runs and the published forecast.

- ``start_training_run`` queues a ``forecast.train`` job (the job is ``jobs.train``);
- ``training_inputs`` / ``train_outcome`` / ``publish_outcome`` are the job's three steps: load the
  tenant's demand, fit outside any transaction, then register the version, replace the tenant's
  forecast points, log one KPI record per series and emit ``forecast.published`` in one
  transaction, so readers see either the old forecast or the whole new one;
- ``retrain_if_due`` / ``check_all_tenants``: retraining on schedule and as new sales arrive
  (``modelling.retraining.retraining_due``: ``retrain_new_sales_days`` of new sales after the
  model's data, or older than ``retrain_max_age_days``). Only tenants that already have a model are
  retrained (the first run is the merchant's call); a retraining reuses the latest horizon, and
  none is queued while a training job of the tenant is queued or running.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, Literal, cast

import pandas as pd
import structlog
from sqlalchemy import Table, delete, insert
from sqlalchemy.orm import Session

from smartdist.bus.outbox import publish
from smartdist.db import Database, utcnow
from smartdist.jobs import submit_job
from smartdist.kpi import record
from smartdist.pagination import Page, paginate
from smartdist.problems import Unprocessable
from smartdist_forecast.config import get_settings
from smartdist_forecast.kpi import FORECAST
from smartdist_forecast.modelling.retraining import RetrainingPolicy, retraining_due
from smartdist_forecast.modelling.training import (
    Progress,
    TrainingOptions,
    TrainingOutcome,
    demand_panel,
    run_training,
)
from smartdist_forecast.modelling.weather import WEATHER_COLUMNS, WeatherDecision, attach_weather
from smartdist_forecast.publishing import repository
from smartdist_forecast.publishing.domain import (
    FORECAST_COLUMNS,
    PUBLISHED_EVENT,
    TRAIN_JOB,
    NoSales,
    check_weather_rows,
)
from smartdist_forecast.publishing.models import ForecastPoint, ModelVersion
from smartdist_forecast.publishing.schemas import ForecastOut, ModelVersionOut, TrainingRunIn
from smartdist_forecast.replenishment.recommendations import forecast_csv, table_xlsx
from smartdist_forecast.sales import repository as sales_repository
from smartdist_forecast.sales.domain import check_period

log = structlog.get_logger(__name__)
SCHEDULER = "forecast.retraining"
INSERT_BATCH = 5_000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def start_training_run(session: Session, body: TrainingRunIn, created_by: str) -> str:
    """Check there is something to train on (and the weather rows), queue the job; its id."""
    if not sales_repository.has_sales(session):
        raise NoSales("train on")
    params: dict[str, Any] = {"horizon_days": body.horizon_days}
    if body.weather:
        last_sale, last_online = sales_repository.last_day_per_store(session)
        check_weather_rows(body.weather, last_sale, last_online, body.horizon_days)
        params["weather"] = [row.model_dump(mode="json") for row in body.weather]
    return str(submit_job(session, TRAIN_JOB, params, created_by=created_by))


def list_model_versions(session: Session, limit: int, cursor: str | None) -> Page[ModelVersionOut]:
    return paginate(
        session,
        repository.model_versions_query(),
        ModelVersion.id,
        limit=limit,
        cursor=cursor,
        serialize=ModelVersionOut.model_validate,
        descending=True,
    )


def forecast_page(
    session: Session,
    store: str | None,
    sku: str | None,
    start: date | None,
    end: date | None,
    limit: int,
    cursor: str | None,
) -> Page[ForecastOut]:
    check_period(start, end)
    stmt = repository.forecast_points(session, store, sku, start, end)
    return paginate(session, stmt, ForecastPoint.id, limit=limit, cursor=cursor, serialize=ForecastOut.model_validate)


def forecast_file(
    session: Session,
    store: str | None,
    sku: str | None,
    start: date | None,
    end: date | None,
    format: Literal["csv", "xlsx"],  # noqa: A002 - the contract's parameter name
) -> tuple[bytes, str, str]:
    """Every matching point as (content, media type, file name): CSV with BOM or one Excel sheet."""
    check_period(start, end)
    stmt = repository.forecast_points(session, store, sku, start, end).order_by(ForecastPoint.id)
    points = session.scalars(stmt)
    table = pd.DataFrame([ForecastOut.model_validate(p).model_dump() for p in points], columns=FORECAST_COLUMNS)
    if format == "csv":
        return forecast_csv(table), "text/csv; charset=utf-8", "forecasts.csv"
    table["date"] = table["date"].map(lambda d: d.isoformat())
    return table_xlsx(table, "forecasts"), XLSX_TYPE, "forecasts.xlsx"


# --- the training job's steps ---------------------------------------------------------------


def training_inputs(session: Session, with_weather: bool) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None]:
    """(POS sales, online orders, recorded store-day weather or None) of the session's tenant."""
    sales, online = sales_repository.tenant_demand_inputs(session)
    return sales, online, sales_repository.tenant_weather(session) if with_weather else None


def train_outcome(
    sales: pd.DataFrame,
    online: pd.DataFrame,
    recorded_weather: pd.DataFrame | None,
    weather_forecast: list[dict[str, Any]] | None,
    horizon: int,
    progress: Callable[[float], None] | None = None,
    stages: Progress | None = None,
) -> TrainingOutcome:
    """Fit, back-test and forecast (no database): ``Unprocessable`` when the data cannot train."""
    if sales.empty:
        raise Unprocessable("no sales imported yet: POST /api/v1/sales/import first")
    panel = demand_panel(sales, online)
    weather = WeatherDecision(False, "no weather forecast given for the horizon")
    if recorded_weather is not None:
        forecast_weather = pd.DataFrame(weather_forecast or [], columns=WEATHER_COLUMNS)
        panel, weather = attach_weather(panel, recorded_weather, forecast_weather, horizon)
    try:
        outcome = run_training(panel, TrainingOptions(horizon_days=horizon), progress=progress, stages=stages)
    except ValueError as exc:
        # Too little history for a back-test or a band: the merchant's data, not a crash.
        raise Unprocessable(f"cannot train on the imported sales: {exc}") from exc
    outcome.artefact.weather = weather.as_dict()
    return outcome


def forecast_point_rows(forecasts: pd.DataFrame, tenant_id: str, version_id: str) -> list[dict[str, Any]]:
    ordered = forecasts.sort_values(["store", "sku", "date"])
    days = pd.to_datetime(ordered["date"]).dt.date
    return [
        {
            "tenant_id": tenant_id,
            "model_version_id": version_id,
            "store": str(r.store),
            "sku": str(r.sku),
            "date": day,
            "yhat": float(r.yhat),
            "yhat_lo": float(r.yhat_lo),
            "yhat_hi": float(r.yhat_hi),
        }
        for r, day in zip(ordered.itertuples(index=False), days, strict=True)
    ]


def publish_outcome(session: Session, tenant_id: str, outcome: TrainingOutcome) -> ModelVersion:
    """Register the version, replace the tenant's forecast points, log KPIs and emit the event."""
    artefact = outcome.artefact
    version = ModelVersion(
        horizon_days=artefact.horizon_days,
        chosen_model=artefact.chosen_model,
        n_series=artefact.n_series,
        data_start=date.fromisoformat(artefact.data_start),
        data_end=date.fromisoformat(artefact.data_end),
        metrics=artefact.backtest,
        selection=artefact.selection or None,
        artefact=artefact.to_json(),
    )
    session.add(version)
    session.flush()
    session.execute(delete(ForecastPoint).where(ForecastPoint.tenant_id == tenant_id))
    rows = forecast_point_rows(outcome.forecasts, tenant_id, version.id)
    for start in range(0, len(rows), INSERT_BATCH):
        session.execute(insert(cast(Table, ForecastPoint.__table__)), rows[start : start + INSERT_BATCH])
    series = outcome.forecasts[["store", "sku"]].drop_duplicates().sort_values(["store", "sku"])
    for store, sku in series.itertuples(index=False):
        record(
            session,
            service="forecast",
            doc_type=FORECAST,
            doc_no=f"{store}:{sku}",
            status="published",
            sender="forecast.train",
            receiver=str(store),
            model_version_id=version.id,
        )
    first, last = outcome.forecasts["date"].min(), outcome.forecasts["date"].max()
    publish(
        session,
        type=PUBLISHED_EVENT,
        subject=version.id,
        tenant_id=tenant_id,
        data={
            "model_version_id": version.id,
            "horizon_days": artefact.horizon_days,
            "series": len(series),
            "chosen_model": artefact.chosen_model,
            "from": pd.Timestamp(first).date().isoformat(),
            "to": pd.Timestamp(last).date().isoformat(),
        },
    )
    return version


# --- retraining -----------------------------------------------------------------------------


def settings_policy() -> RetrainingPolicy:
    settings = get_settings()
    return RetrainingPolicy(
        new_sales_days=settings.retrain_new_sales_days, max_age=timedelta(days=settings.retrain_max_age_days)
    )


def retrain_if_due(
    session: Session,
    *,
    created_by: str = SCHEDULER,
    policy: RetrainingPolicy | None = None,
    after_import: bool = True,
) -> str | None:
    """Queue a ``forecast.train`` job for the session's tenant when its model is stale; its id or None."""
    if after_import and not get_settings().retrain_after_import:
        return None
    latest = repository.latest_for_retraining(session)
    if latest is None or repository.training_busy(session):
        return None
    last_sale = sales_repository.last_sale_day(session)
    decision = retraining_due(latest.data_end, latest.created_at, last_sale, utcnow(), policy or settings_policy())
    if not decision.due:
        return None
    job_id = submit_job(
        session,
        TRAIN_JOB,
        {"horizon_days": int(latest.horizon_days), "trigger": decision.reason},
        created_by=created_by,
    )
    log.info("retraining_queued", job_id=job_id, reason=decision.reason)
    return str(job_id)


def check_all_tenants(database: Database, policy: RetrainingPolicy | None = None) -> dict[str, str]:
    """One pass of the periodic check: {tenant: queued job id} for every tenant whose model is stale."""
    with database.system_transaction() as session:
        tenants = repository.tenants_with_models(session)
    queued: dict[str, str] = {}
    for tenant in tenants:
        with database.tenant_transaction(tenant) as session:
            job_id = retrain_if_due(session, created_by=SCHEDULER, policy=policy, after_import=False)
        if job_id is not None:
            queued[tenant] = job_id
    return queued


def wait_for_jobs(database: Database, queued: dict[str, str], poll_s: float = 1.0) -> None:
    """Return once every queued job has succeeded or failed."""
    pending = set(queued.values())
    while pending:
        with database.system_transaction() as session:
            pending -= repository.finished_jobs(session, pending)
        if pending:
            threading.Event().wait(poll_s)
