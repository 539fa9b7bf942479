"""Stored orders and vehicles become the planner's stops and vehicles without losing a constraint."""

from __future__ import annotations

import dataclasses
from datetime import date, time

import numpy as np

from smartdist_dispatch.fleet.models import Vehicle as VehicleRow
from smartdist_dispatch.orders.models import DeliveryOrder
from smartdist_dispatch.orders.planning_input import fleet_vehicle, for_plan_day, on_plan_day, order_stop
from smartdist_dispatch.planning.model import RoutingProblem, Stop

DAY = date(2026, 11, 27)


def test_stored_rows_build_a_routing_problem_in_seconds_from_local_midnight() -> None:
    order = DeliveryOrder(
        order_no="A-1",
        customer_name="林小姐",
        lat=25.03,
        lng=121.56,
        service_s=300,
        weight_kg=2.0004,
        volume_l=10,
        boxes=2,
        priority=3,
        time_windows=[
            ["2026-11-27T09:00:00+08:00", "2026-11-27T12:00:00+08:00"],
            ["2026-11-27T10:00:00+00:00", "2026-11-27T12:00:00+00:00"],
        ],
    )
    van = VehicleRow(
        code="V1",
        kind="van",
        capacity_weight_kg=800.5,
        capacity_volume_l=3000,
        capacity_boxes=60,
        shift_start=time(8),
        shift_end=time(18, 30),
        fixed_cost_twd=1500,
    )
    stop = order_stop(order, 1, DAY)
    vehicle = fleet_vehicle(van, 0, DAY, objective_units_per_twd=10)
    assert [(w.start, w.end) for w in stop.time_windows] == [(9 * 3600, 12 * 3600), (18 * 3600, 20 * 3600)]
    assert stop.demand == (2001, 10_000, 2) and stop.service == 300 and stop.priority == 3
    assert vehicle.capacity == (800_500, 3_000_000, 60)
    assert (vehicle.shift.start, vehicle.shift.end) == (8 * 3600, 18.5 * 3600)
    assert vehicle.fixed_cost == 15_000
    problem = RoutingProblem(travel_time=np.zeros((2, 2)), distance=np.zeros((2, 2)), stops=[stop], vehicles=[vehicle])
    assert problem.dimensions == 3


def test_only_orders_due_on_the_plan_day_in_taipei_time_or_without_a_window_are_planned() -> None:
    def stop_for(*windows: tuple[str, str]) -> Stop:
        order = DeliveryOrder(
            order_no="A",
            customer_name="王先生",
            lat=25.0,
            lng=121.5,
            service_s=300,
            weight_kg=1,
            volume_l=1,
            boxes=1,
            priority=0,
            time_windows=[list(w) for w in windows],
        )
        return order_stop(order, 1, DAY)

    today = stop_for(("2026-11-27T09:00:00+08:00", "2026-11-27T12:00:00+08:00"))
    # 23:00 UTC on the 26th is 07:00 in Taipei on the 27th.
    today_in_utc = stop_for(("2026-11-26T23:00:00+00:00", "2026-11-27T01:00:00+00:00"))
    tomorrow = stop_for(("2026-11-28T09:00:00+08:00", "2026-11-28T12:00:00+08:00"))
    # 18:00 UTC on the 27th is 02:00 in Taipei on the 28th.
    tomorrow_in_utc = stop_for(("2026-11-27T18:00:00+00:00", "2026-11-27T20:00:00+00:00"))
    ends_at_midnight = stop_for(("2026-11-26T20:00:00+08:00", "2026-11-27T00:00:00+08:00"))
    second_window_today = stop_for(
        ("2026-11-26T09:00:00+08:00", "2026-11-26T12:00:00+08:00"),
        ("2026-11-27T09:00:00+08:00", "2026-11-27T12:00:00+08:00"),
    )
    any_day = stop_for()
    assert [on_plan_day(s, DAY) for s in (today, today_in_utc, second_window_today, any_day)] == [True] * 4
    assert [on_plan_day(s, DAY) for s in (tomorrow, tomorrow_in_utc, ends_at_midnight)] == [False] * 3

    stops = [dataclasses.replace(s, id=f"S{k}") for k, s in enumerate((today, tomorrow, any_day))]
    problem = RoutingProblem(travel_time=np.zeros((2, 2)), distance=np.zeros((2, 2)), stops=stops, vehicles=[])
    assert [s.id for s in for_plan_day(problem, DAY).stops] == ["S0", "S2"]
