from smartdist_forecast.modelling.global_lgbm import GlobalModelConfig
from smartdist_forecast.modelling.training import TrainingOptions
from smartdist_forecast.replenishment.policy import ReplenishmentParams
from smartdist_forecast.replenishment.replay import replay_on_history

from ..synthetic_panels import seasonal_panel


def test_replay_on_history_gives_the_kpi_record_fields():
    panel, _ = seasonal_panel(n_series=3, days=560)
    params = ReplenishmentParams(lead_time_days=2, review_period_days=7, pack_size=1, service_level=0.95)
    options = TrainingOptions(horizon_days=28, baselines=(), model=GlobalModelConfig(rounds=40))
    result = replay_on_history(panel, params, cover_days=12, replay_days=56, options=options)
    extra = result.kpi_extra()
    assert result.replay_days == 56 - 9 + 1
    assert {"avg_on_hand_rule", "avg_on_hand_policy", "fill_rate_rule", "fill_rate_policy"} <= set(extra)
    assert extra["avg_on_hand_rule"] > 0 and 0 < extra["fill_rate_policy"] <= 1
    # A weekly order covering 12 days of a trailing average over-stocks a stable series.
    assert extra["avg_on_hand_policy"] < extra["avg_on_hand_rule"]
