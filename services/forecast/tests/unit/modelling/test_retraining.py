from datetime import UTC, date, datetime, timedelta

from smartdist_forecast.modelling.retraining import retraining_due

NOW = datetime(2025, 1, 10, 3, 0, tzinfo=UTC)


def test_first_import_triggers_the_first_training():
    assert retraining_due(None, None, date(2025, 1, 9), NOW).due


def test_a_week_of_new_sales_triggers_retraining():
    decision = retraining_due(date(2025, 1, 1), NOW - timedelta(days=1), date(2025, 1, 8), NOW)
    assert decision.due and "7 days" in decision.reason


def test_old_model_is_retrained_even_without_new_sales():
    assert retraining_due(date(2025, 1, 9), NOW - timedelta(days=8), date(2025, 1, 9), NOW).due


def test_fresh_model_with_few_new_days_waits():
    decision = retraining_due(date(2025, 1, 7), NOW - timedelta(days=2), date(2025, 1, 9), NOW)
    assert not decision.due


def test_nothing_to_train_without_sales():
    assert not retraining_due(None, None, None, NOW).due
