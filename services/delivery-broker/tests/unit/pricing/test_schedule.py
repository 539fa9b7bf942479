import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smartdist_delivery_broker.pricing import (
    DEFAULT_RULES,
    BrokerRules,
    load_rules,
    quote_fee,
    started_kilometres,
    trip_distance_m,
)


@pytest.mark.parametrize(
    ("distance_m", "fee"),
    [(800, 85), (2000, 95), (3000, 105), (3400, 120), (8000, 180), (9500, 240)],
)
def test_every_spec_example_is_priced_exactly(distance_m: int, fee: int) -> None:
    assert quote_fee(distance_m, 0, DEFAULT_RULES, "pandago").fee == fee


@pytest.mark.parametrize(
    ("distance_m", "fee"),
    [
        (0, 85),
        (1, 85),
        (999, 85),
        (1000, 85),
        (1001, 95),
        (2999, 105),
        (3000, 105),
        (3001, 120),
        (4000, 120),
        (4001, 135),
        (7999, 180),
        (8000, 180),
        (8001, 210),
        (9000, 210),
        (9001, 240),
        (10000, 240),
        (10001, 270),
    ],
)
def test_each_started_kilometre_is_charged_at_its_tier(distance_m: int, fee: int) -> None:
    assert quote_fee(distance_m, 0, DEFAULT_RULES, "lalamove").fee == fee


def reference_fee(distance_m: int) -> int:
    """SPEC's sentence written out literally, as an independent oracle."""
    fee = 85
    last_k = max(1, -(-distance_m // 1000))
    for k in range(2, last_k + 1):
        fee += 10 if k <= 3 else 15 if k <= 8 else 30
    return fee


@given(st.integers(min_value=0, max_value=200_000), st.integers(min_value=0, max_value=50_000))
def test_fee_matches_spec_sentence_for_any_distance_and_cod(distance_m: int, cod: int) -> None:
    for provider, cod_fee in (("pandago", 30), ("uber_direct", 30), ("lalamove", 0)):
        quote = quote_fee(distance_m, cod, DEFAULT_RULES, provider)
        assert quote.fee == reference_fee(distance_m) + (cod_fee if cod > 0 else 0)
        assert sum(quote.fee_breakdown.values()) == quote.fee


def test_cod_adds_thirty_on_pandago_and_uber_but_nothing_on_lalamove() -> None:
    assert quote_fee(2000, 500, DEFAULT_RULES, "pandago").fee == 125
    assert quote_fee(2000, 500, DEFAULT_RULES, "uber_direct").fee == 125
    assert quote_fee(2000, 500, DEFAULT_RULES, "lalamove").fee == 95
    assert quote_fee(2000, 0, DEFAULT_RULES, "pandago").fee_breakdown["cod"] == 0


@pytest.mark.parametrize(
    ("provider", "cod", "available"),
    [
        ("pandago", 5000, True),
        ("pandago", 5001, False),
        ("uber_direct", 2000, True),
        ("uber_direct", 2001, False),
        ("lalamove", 5001, True),
        ("lalamove", 1_000_000, True),
    ],
)
def test_cod_caps_are_inclusive(provider: str, cod: int, available: bool) -> None:
    quote = quote_fee(2000, cod, DEFAULT_RULES, provider)
    assert quote.available is available
    assert (quote.reason is None) is available
    if not available:
        assert "COD" in (quote.reason or "")


@pytest.mark.parametrize(
    ("provider", "distance_m", "available"),
    [
        ("pandago", 8000, True),
        ("pandago", 8001, False),
        ("uber_direct", 8000, True),
        ("uber_direct", 8001, False),
        ("lalamove", 8001, True),
        ("lalamove", 120_000, True),
    ],
)
def test_longest_distance_eight_km_includes_eight_km(provider: str, distance_m: int, available: bool) -> None:
    quote = quote_fee(distance_m, 0, DEFAULT_RULES, provider)
    assert quote.available is available
    if not available:
        assert "distance limit" in (quote.reason or "")


def test_unavailable_platform_names_every_reason_and_still_reports_its_fee() -> None:
    quote = quote_fee(9500, 2500, DEFAULT_RULES, "uber_direct")
    assert not quote.available
    assert "distance limit" in (quote.reason or "") and "COD" in (quote.reason or "")
    assert quote.fee == 270


def test_negative_cod_amount_is_refused() -> None:
    with pytest.raises(ValueError):
        quote_fee(1000, -1, DEFAULT_RULES, "pandago")


def test_started_kilometres_counts_a_zero_trip_as_one() -> None:
    assert [started_kilometres(d) for d in (0, 1000, 1001, 2000)] == [1, 1, 2, 2]


def test_platform_without_terms_is_priced_by_schedule_without_limits() -> None:
    quote = quote_fee(20_000, 9_999, DEFAULT_RULES, "own_fleet")
    assert quote.available and quote.fee == reference_fee(20_000)


def test_contract_rules_load_from_json_and_keep_unstated_defaults() -> None:
    rules = load_rules(
        json.dumps(
            {
                "schedule": {"base_fee": 90, "tiers": [{"from_km": 2, "per_km": 12}]},
                "platforms": {"uber_direct": {"offers_cod": True, "cod_fee": 25, "cod_cap": 3000}},
            }
        )
    )
    assert quote_fee(3000, 2500, rules, "uber_direct").fee == 90 + 24 + 25
    assert quote_fee(3000, 2500, rules, "uber_direct").available
    assert rules.platforms["pandago"] == DEFAULT_RULES.platforms["pandago"]


def test_rules_load_from_a_file_path(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "rules.json"
    path.write_text(json.dumps({"schedule": {"base_fee": 100}}))
    assert quote_fee(500, 0, load_rules(path), "pandago").fee == 100


def test_missing_env_means_spec_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SMARTDIST_DELIVERY_BROKER_RULES", raising=False)
    assert load_rules() == BrokerRules()


def test_rules_reject_unknown_keys() -> None:
    with pytest.raises(ValueError):
        load_rules('{"schedule": {"base": 1}}')


def test_distance_is_haversine_metres_rounded_to_whole_metres() -> None:
    # One degree of latitude on a 6,371 km sphere is 111,194.93 m.
    assert trip_distance_m(25.0, 121.5, 26.0, 121.5) == 111_195
    assert trip_distance_m(25.04, 121.56, 25.04, 121.56) == 0
    # Taipei 101 to Taipei Main Station, about 5.6 km as the crow flies.
    assert 5_000 < trip_distance_m(25.0340, 121.5645, 25.0478, 121.5170) < 6_000
