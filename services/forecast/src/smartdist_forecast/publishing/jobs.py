"""Background work of publishing: the ``forecast.train`` job and the periodic retraining check.

The model is fitted outside any transaction (it takes seconds to a minute); the result is
published in one transaction (``service.publish_outcome``). Params: ``horizon_days`` and, when the
merchant gave one, ``weather`` (the forecast rows the API checked); only then are the recorded
store-day weather rows loaded and ``modelling/weather.py`` decides whether the model uses weather.
"""

from __future__ import annotations

import threading
from typing import Any

import structlog

from smartdist.db import Database
from smartdist.jobs import JobContext, job_task
from smartdist_forecast.config import get_settings
from smartdist_forecast.modelling.retraining import RetrainingPolicy
from smartdist_forecast.publishing.domain import TRAIN_JOB
from smartdist_forecast.publishing.service import check_all_tenants, publish_outcome, train_outcome, training_inputs

log = structlog.get_logger(__name__)
# Share of the progress bar for loading the sales, building the demand panel and storing the forecast;
# the training run's own stages (back-test window k of n, final fit, forecast) fill the rest.
LOAD_SHARE, FEATURES_SHARE, STORE_SHARE = 0.04, 0.03, 0.05
# Progress texts: catalog keys of the service's messages (i18n plan §5).
STAGE_LOADING = "forecast.progress.loading"
STAGE_FEATURES = "forecast.progress.features"
STAGE_STORING = "forecast.progress.storing"


@job_task(TRAIN_JOB)
def train(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    horizon = int(params["horizon_days"])
    weather_forecast = params.get("weather") or None
    ctx.progress(0.0, STAGE_LOADING, force=True)
    with ctx.tenant_transaction() as session:
        sales, online, recorded = training_inputs(session, with_weather=weather_forecast is not None)
    ctx.progress(LOAD_SHARE, STAGE_FEATURES, force=True)
    begin = LOAD_SHARE + FEATURES_SHARE
    span = 1.0 - begin - STORE_SHARE
    last_stage = [""]

    def report_stage(fraction: float, stage: str, **params: int) -> None:
        # A new stage is written at once; progress within a stage at most every 0.2 s.
        label = stage + repr(sorted(params.items()))
        ctx.progress(begin + span * fraction, stage, force=label != last_stage[0], **params)
        last_stage[0] = label

    outcome = train_outcome(sales, online, recorded, weather_forecast, horizon, stages=report_stage)
    ctx.progress(1.0 - STORE_SHARE, STAGE_STORING, force=True)
    with ctx.tenant_transaction() as session:
        version = publish_outcome(session, ctx.tenant_id, outcome)
        version_id, series = version.id, version.n_series
    result = {"model_version_id": version_id, "series": series, "metrics": outcome.artefact.backtest}
    if weather_forecast is not None:
        result["weather"] = outcome.artefact.weather
    return result


def run_periodic_check(
    database: Database, interval_s: float, stop: threading.Event, policy: RetrainingPolicy | None = None
) -> int:
    """Check every ``interval_s`` seconds until ``stop`` is set; returns how many jobs were queued."""
    total = 0
    while not stop.is_set():
        try:
            total += len(check_all_tenants(database, policy))
        except Exception:  # noqa: BLE001 - a failed pass (database restarting) must not end the schedule
            log.exception("retraining_check_failed")
        stop.wait(interval_s)
    return total


def retraining_schedule(runtime: Any, stop: threading.Event) -> None:
    """The service's background task: a check every ``retrain_check_interval_s`` seconds, the
    first one an interval after start (a restart does not retrain every tenant at once)."""
    settings = get_settings()
    if not settings.retrain_schedule:
        return
    while not stop.wait(settings.retrain_check_interval_s):
        try:
            check_all_tenants(runtime.database)
        except Exception:  # noqa: BLE001 - a failed pass (database restarting) must not end the schedule
            log.exception("retraining_check_failed")
