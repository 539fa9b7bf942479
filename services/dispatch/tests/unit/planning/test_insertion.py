from __future__ import annotations

import pytest

from smartdist_dispatch.planning.insertion import LiveRoute, insert_rush_stops
from smartdist_dispatch.planning.model import Stop, TimeWindow, UnassignedReason, Vehicle


def test_rush_stop_goes_to_the_cheapest_position_after_the_fixed_stops(line_problem):
    stops = [Stop(f"s{k}", k, (1,), (), 0.0) for k in range(1, 6)]
    problem = line_problem(stops=stops)
    live = [LiveRoute("v1", ["s1", "s4", "s5"], fixed=1, depart_at=0.0)]
    # s2 and s3 lie between s1 and s4, so any position after the done s1 costs no distance.
    result = insert_rush_stops(problem, live, ["s3", "s2"], now=5.0)
    assert result.inserted == {"s3": "v1", "s2": "v1"}
    assert result.sequences["v1"][0] == "s1"
    assert result.sequences["v1"] == ["s1", "s2", "s3", "s4", "s5"]
    assert result.routes["v1"].distance == pytest.approx(100.0)


def test_done_stops_are_never_reordered_even_if_cheaper(line_problem):
    stops = [Stop(f"s{k}", k, (1,), (), 0.0) for k in range(1, 6)]
    problem = line_problem(stops=stops)
    live = [LiveRoute("v1", ["s5", "s4"], fixed=2, depart_at=0.0)]
    result = insert_rush_stops(problem, live, ["s1"], now=0.0)
    assert result.sequences["v1"] == ["s5", "s4", "s1"]


def test_full_vehicle_hands_the_rush_stop_to_an_idle_vehicle(line_problem):
    stops = [Stop(f"s{k}", k, (5,), (), 0.0) for k in range(1, 6)]
    vehicles = [Vehicle("v1", (10,)), Vehicle("v2", (10,), shift=TimeWindow(0.0, 1000.0))]
    problem = line_problem(stops=stops, vehicles=vehicles)
    live = [LiveRoute("v1", ["s1", "s2"], fixed=0, depart_at=0.0)]
    result = insert_rush_stops(problem, live, ["s3"], now=30.0)
    assert result.inserted == {"s3": "v2"}
    assert result.routes["v2"].feasible
    assert result.routes["v2"].start_time == pytest.approx(30.0)


def test_rush_stop_that_cannot_be_served_gets_a_reason_and_routes_stay(line_problem):
    stops = [Stop(f"s{k}", k, (1,), (), 0.0) for k in range(1, 5)] + [
        Stop("s5", 5, (1,), (TimeWindow(0.0, 60.0),), 0.0)
    ]
    problem = line_problem(stops=stops)
    live = [LiveRoute("v1", ["s1", "s2"], fixed=2, depart_at=0.0)]
    result = insert_rush_stops(problem, live, ["s5"], now=100.0)
    assert result.rejected == {"s5": UnassignedReason.TIME_WINDOW}
    assert result.sequences["v1"] == ["s1", "s2"]
    assert result.routes == {}
