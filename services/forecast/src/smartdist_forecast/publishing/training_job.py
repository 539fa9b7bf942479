"""The ``forecast.train`` job: all of a tenant's sales → back-tested model → published forecast.

The model is fitted outside any transaction (it takes seconds to a minute); the new model version,
its forecast points (replacing the tenant's previous ones), one KPI record per series and the
``forecast.published`` event are then written in one transaction, so readers see either the old
forecast or the whole new one.

Params: ``horizon_days`` and, when the merchant gave one, ``weather`` (the forecast rows the API
checked); only then are the recorded store-day weather rows loaded and ``models/weather.py``
decides whether the model uses weather.
"""

from __future__ import annotations

from datetime import date
from typing import Any, cast

import pandas as pd
from sqlalchemy import Table, delete, insert
from sqlalchemy.orm import Session

from smartdist.bus.outbox import publish
from smartdist.jobs import JobContext, job_task
from smartdist.kpi import record
from smartdist.problems import Unprocessable
from smartdist_forecast.kpi import FORECAST
from smartdist_forecast.models.training import TrainingOptions, TrainingOutcome, demand_panel, run_training
from smartdist_forecast.models.weather import WEATHER_COLUMNS, WeatherDecision, attach_weather
from smartdist_forecast.sales.storage import tenant_demand_inputs, tenant_weather
from smartdist_forecast.tables import ForecastPoint, ModelVersion

TRAIN_JOB = "forecast.train"
PUBLISHED_EVENT = "smartdist.forecast.forecast.published"
# Share of the progress bar for loading the sales and for storing the forecast.
LOAD_SHARE, STORE_SHARE = 0.05, 0.05
INSERT_BATCH = 5_000


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


@job_task(TRAIN_JOB)
def train(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    horizon = int(params["horizon_days"])
    ctx.progress(0.0, "loading sales", force=True)
    forecast_weather = pd.DataFrame(params.get("weather") or [], columns=WEATHER_COLUMNS)
    with ctx.tenant_transaction() as session:
        sales, online = tenant_demand_inputs(session)
        recorded = tenant_weather(session) if not forecast_weather.empty else None
    if sales.empty:
        raise Unprocessable("no sales imported yet: POST /api/v1/sales/import first")
    panel = demand_panel(sales, online)
    weather = WeatherDecision(False, "no weather forecast given for the horizon")
    if recorded is not None:
        panel, weather = attach_weather(panel, recorded, forecast_weather, horizon)
    ctx.progress(LOAD_SHARE, "training", force=True)
    span = 1.0 - LOAD_SHARE - STORE_SHARE
    try:
        outcome = run_training(
            panel,
            TrainingOptions(horizon_days=horizon),
            progress=lambda fraction: ctx.progress(LOAD_SHARE + span * fraction, "training"),
        )
    except ValueError as exc:
        # Too little history for a back-test or a band: the merchant's data, not a crash.
        raise Unprocessable(f"cannot train on the imported sales: {exc}") from exc
    outcome.artefact.weather = weather.as_dict()
    ctx.progress(1.0 - STORE_SHARE, "publishing", force=True)
    with ctx.tenant_transaction() as session:
        version = publish_outcome(session, ctx.tenant_id, outcome)
        version_id, series = version.id, version.n_series
    result = {"model_version_id": version_id, "series": series, "metrics": outcome.artefact.backtest}
    if not forecast_weather.empty:
        result["weather"] = outcome.artefact.weather
    return result
