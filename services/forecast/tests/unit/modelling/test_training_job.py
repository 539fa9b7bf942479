"""The forecast.train job reports real stages with catalog keys (loading, features, back-test
window k of n, fitting, forecasting, storing), in order and never backwards."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any

import pandas as pd

from smartdist_forecast.messages import MESSAGES
from smartdist_forecast.modelling.global_lgbm import GlobalModelConfig
from smartdist_forecast.publishing import jobs, service

from ..synthetic_panels import seasonal_sales


class FakeContext:
    tenant_id = "t1"

    def __init__(self) -> None:
        self.reports: list[tuple[float, str, dict[str, Any]]] = []

    def progress(self, fraction: float, message: str = "", *, force: bool = False, **params: Any) -> None:
        self.reports.append((fraction, message, params))

    @contextmanager
    def tenant_transaction(self) -> Any:
        yield None


class Version:
    id = "v1"
    n_series = 3


def test_the_training_job_reports_each_stage_with_a_catalog_key(monkeypatch):
    sales = seasonal_sales(n_series=3, days=500).drop(columns="mean")
    sales["amount"] = sales["qty"] * 10
    online = pd.DataFrame(columns=["date", "store", "sku", "channel", "qty", "stockout_qty", "returned_qty"])
    monkeypatch.setattr(jobs, "training_inputs", lambda session, with_weather: (sales, online, None))
    monkeypatch.setattr(jobs, "publish_outcome", lambda session, tenant, outcome: Version())
    real_options = service.TrainingOptions
    monkeypatch.setattr(service, "TrainingOptions", lambda **kw: real_options(model=GlobalModelConfig(rounds=20), **kw))
    ctx = FakeContext()
    result = jobs.train(ctx, {"horizon_days": 7})  # type: ignore[arg-type]
    assert result["model_version_id"] == "v1"
    fractions = [f for f, _, _ in ctx.reports]
    assert fractions == sorted(fractions) and fractions[0] == 0.0
    stages = []
    for _, key, params in ctx.reports:
        label = key.removeprefix("forecast.progress.") + (f" {params['window']}/{params['windows']}" if params else "")
        if not stages or stages[-1] != label:
            stages.append(label)
    assert stages == [
        "loading",
        "features",
        "backtest 1/3",
        "backtest 2/3",
        "backtest 3/3",
        "fitting",
        "forecasting",
        "storing",
    ]
    # Every stage is a catalog key in both languages (the job pages render it in the reader's).
    for _, key, _ in ctx.reports:
        assert key in MESSAGES["zh-TW"] and key in MESSAGES["en"]
    window_text = MESSAGES["zh-TW"]["forecast.progress.backtest"].format(window=2, windows=3)
    assert "2" in window_text and "3" in window_text
