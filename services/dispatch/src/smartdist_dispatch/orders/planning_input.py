"""Stored orders and vehicles as the planner's problem model (planning.model Stop and Vehicle).

Times become seconds from local midnight of the plan day (Asia/Taipei); demands and capacities
become integers in grams, millilitres and boxes, the three dimensions in that order, because
the engines work on integer demands and a gram or a millilitre is below any real parcel's size.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import date, datetime, time, timedelta
from typing import Any

from smartdist_dispatch.fleet.models import Vehicle as VehicleRow
from smartdist_dispatch.orders.models import DeliveryOrder
from smartdist_dispatch.orders.spreadsheet import LOCAL_ZONE
from smartdist_dispatch.planning.model import Break, RoutingProblem, Stop, TimeWindow, Vehicle

DIMENSIONS = ("weight_g", "volume_ml", "boxes")


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LOCAL_ZONE)


def _seconds(moment: datetime, start: datetime) -> float:
    return (moment - start).total_seconds()


def order_stop(order: DeliveryOrder, location: int, day: date) -> Stop:
    """The order as a stop; demands round up so a plan never overloads a vehicle."""
    start = day_start(day)
    windows = tuple(
        TimeWindow(_seconds(datetime.fromisoformat(a), start), _seconds(datetime.fromisoformat(b), start))
        for a, b in order.time_windows
    )
    demand = (math.ceil(order.weight_kg * 1000), math.ceil(order.volume_l * 1000), order.boxes)
    return Stop(
        id=order.order_no,
        location=location,
        demand=demand,
        time_windows=windows,
        service=float(order.service_s),
        priority=order.priority,
    )


def fleet_vehicle(
    vehicle: VehicleRow,
    depot_location: int,
    day: date,
    *,
    objective_units_per_twd: float,
    day_rules: bool = False,
) -> Vehicle:
    """The vehicle for one plan day; capacities round down so a plan never overloads it.

    `objective_units_per_twd` turns the fixed cost into the objective's unit (metres for the
    distance objective), which only the caller choosing the objective knows. `day_rules` adds the
    vehicle's break, maximum working time and trips (see `vehicle_day_rules`).
    """
    start = day_start(day)
    shift = TimeWindow(
        _seconds(datetime.combine(day, vehicle.shift_start, tzinfo=LOCAL_ZONE), start),
        _seconds(datetime.combine(day, vehicle.shift_end, tzinfo=LOCAL_ZONE), start),
    )
    capacity = (
        math.floor(vehicle.capacity_weight_kg * 1000),
        math.floor(vehicle.capacity_volume_l * 1000),
        vehicle.capacity_boxes,
    )
    planned = Vehicle(
        id=vehicle.code,
        capacity=capacity,
        start_location=depot_location,
        end_location=depot_location,
        shift=shift,
        fixed_cost=round(vehicle.fixed_cost_twd * objective_units_per_twd),
    )
    return dataclasses.replace(planned, **vehicle_day_rules(vehicle, day)) if day_rules else planned


def vehicle_day_rules(vehicle: VehicleRow, day: date) -> dict[str, Any]:
    """The break, maximum working time and trips of a vehicle for a whole-day plan.

    Only the day plan takes them: a live re-plan or rush insertion starts mid-day from where a
    route is (a break window already past would read as missed, the work already done is not
    counted) and stored routes hold no reload stop, so those keep the plain vehicle.
    """
    start = day_start(day)

    def local(moment: time) -> float:
        return _seconds(datetime.combine(day, moment, tzinfo=LOCAL_ZONE), start)

    breaks: tuple[Break, ...] = ()
    if vehicle.break_start is not None and vehicle.break_end is not None and vehicle.break_minutes:
        window = TimeWindow(local(vehicle.break_start), local(vehicle.break_end))
        breaks = (Break(window, vehicle.break_minutes * 60.0),)
    max_working = None if vehicle.max_working_minutes is None else vehicle.max_working_minutes * 60.0
    return {"breaks": breaks, "max_working_time": max_working, "max_trips": vehicle.max_trips or 1}


def on_plan_day(stop: Stop, day: date) -> bool:
    """Whether a stop built for `day` (windows in seconds from its local midnight) is due that day.

    A stop without a time window can go any day; otherwise one of its windows must overlap the
    local day, midnight to midnight (a window ending at 00:00 belongs to the day before).
    """
    length = (day_start(day + timedelta(days=1)) - day_start(day)).total_seconds()
    return not stop.time_windows or any(w.start < length and w.end > 0 for w in stop.time_windows)


def for_plan_day(problem: RoutingProblem, day: date) -> RoutingProblem:
    """The problem with only the stops due on `day`; the others stay out of the plan (and created)."""
    return dataclasses.replace(problem, stops=[s for s in problem.stops if on_plan_day(s, day)])
