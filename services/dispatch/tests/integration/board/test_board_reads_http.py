"""The board's reads over HTTP on SQLite and PostgreSQL: board, live map, exceptions, analytics."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from sqlalchemy import select

from smartdist.testing.platform import ServiceUnderTest
from smartdist_dispatch.orders.spreadsheet import LOCAL_ZONE
from smartdist_dispatch.routes.models import GpsBreadcrumb, Route, RouteStop

from .conftest import PLACES, Day  # noqa: TID252 - the folder's own helpers


def at(day: Day, hhmm: str) -> datetime:
    return datetime.fromisoformat(f"{day.day}T{hhmm}:00+08:00")


def outcomes(day: Day, plan_id: int) -> None:
    """V1: on time, failed (nobody home), late with 100 TWD missing; V2: on time, refused, pending."""
    routes = day.routes(plan_id)
    with day.svc.database.tenant_transaction(day.tenant) as session:
        stops = {s.id: s for s in session.scalars(select(RouteStop))}
        v1 = [stops[s["id"]] for s in routes["V1"]["stops"]]
        v2 = [stops[s["id"]] for s in routes["V2"]["stops"]]
        v1[0].status, v1[0].completed_at = "delivered", at(day, "10:00")
        v1[1].status, v1[1].completed_at, v1[1].reason_code = "failed", at(day, "11:00"), "nobody_home"
        v1[2].status, v1[2].completed_at, v1[2].cash_collected_twd = "delivered", at(day, "18:00"), 400
        v2[0].status, v2[0].completed_at = "delivered", at(day, "09:30")
        v2[1].status, v2[1].completed_at, v2[1].reason_code = "failed", at(day, "10:30"), "refused"
        route = session.get(Route, routes["V1"]["id"])
        assert route is not None
        route.started_at, route.completed_at, route.status = at(day, "08:30"), at(day, "18:10"), "completed"


def seeded(day: Day) -> int:
    day.fleet()
    for k in range(6):
        day.order(f"A-{k}", *PLACES[k], cash_to_collect_twd=500 if k == 2 else 0)
    plan_id = day.plan({"V1": ["A-0", "A-1", "A-2"], "V2": ["A-3", "A-4", "A-5"]})
    outcomes(day, plan_id)
    return plan_id


def test_analytics_per_vehicle_day_and_driver_from_sql_aggregates_and_as_csv(day: Day) -> None:
    plan_id = seeded(day)
    get = day.svc.client.get
    v2_planned = day.routes(plan_id)["V2"]["duration_s"]
    by_vehicle = get(f"/api/v1/analytics?from={day.day}&to={day.day}&group_by=vehicle", headers=day.headers).json()
    rows = {r["key"]: r for r in by_vehicle["items"]}
    assert rows["V1"] | {"distance_m": 0} == {
        "key": "V1",
        "name": None,
        "routes": 1,
        "stops": 3,
        "delivered": 2,
        "failed": 1,
        "success_rate": 0.6667,
        "on_time_rate": 0.5,
        "distance_m": 0,
        "duration_s": 34800,
        "exceptions": {"nobody_home": 1},
    }
    assert rows["V2"] | {"distance_m": 0} == {
        "key": "V2",
        "name": None,
        "routes": 1,
        "stops": 3,
        "delivered": 1,
        "failed": 1,
        "success_rate": 0.5,
        "on_time_rate": 1.0,
        "distance_m": 0,
        "duration_s": v2_planned,
        "exceptions": {"refused": 1},
    }
    assert rows["V1"]["distance_m"] == day.routes(plan_id)["V1"]["distance_m"] > 0
    (whole_day,) = get(f"/api/v1/analytics?from={day.day}&group_by=day", headers=day.headers).json()["items"]
    assert (whole_day["key"], whole_day["stops"], whole_day["delivered"], whole_day["failed"]) == (
        str(day.day),
        6,
        3,
        2,
    )
    assert (whole_day["success_rate"], whole_day["on_time_rate"]) == (0.6, 0.6667)
    drivers = get(f"/api/v1/analytics?from={day.day}&group_by=driver", headers=day.headers).json()["items"]
    # Drivers by name, their code beside it (the key), in the table and in the download.
    assert [(r["key"], r["name"]) for r in drivers] == [("DR1", "司機1"), ("DR2", "司機2")]
    by_driver = get(f"/api/v1/analytics?from={day.day}&group_by=driver&format=csv", headers=day.headers)
    assert [(r["key"], r["name"]) for r in csv.DictReader(io.StringIO(by_driver.content.decode("utf-8-sig")))] == [
        ("DR1", "司機1"),
        ("DR2", "司機2"),
    ]
    exported = get(f"/api/v1/analytics?from={day.day}&group_by=vehicle&format=csv", headers=day.headers)
    assert exported.headers["content-type"].startswith("text/csv")
    assert exported.headers["content-disposition"].startswith("attachment; filename=")
    table = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [(r["key"], r["on_time_rate"], r["exceptions_nobody_home"], r["exceptions_refused"]) for r in table] == [
        ("V1", "0.5", "1", "0"),
        ("V2", "1.0", "0", "1"),
    ]
    bad = get(f"/api/v1/analytics?from={day.day}&to=2020-01-01", headers=day.headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["query", "to"]
    assert get("/api/v1/analytics?group_by=week", headers=day.headers).status_code == 422
    # Another tenant sees none of it.
    other = day.svc.headers("t2", ("dispatcher",))
    assert get(f"/api/v1/analytics?from={day.day}", headers=other).json()["items"] == []
    assert get(f"/api/v1/exceptions?from={day.day}", headers=other).json()["items"] == []


def test_exceptions_list_failures_cash_mismatches_and_late_deliveries(day: Day) -> None:
    seeded(day)
    body = day.svc.client.get(f"/api/v1/exceptions?from={day.day}&to={day.day}", headers=day.headers).json()
    assert body["counts"] == {"failed": 2, "cash_mismatch": 1, "late": 1}
    kinds = [(i["kind"], i["order_no"]) for i in body["items"]]
    assert sorted(kinds) == [("cash_mismatch", "A-2"), ("failed", "A-1"), ("failed", "A-4"), ("late", "A-2")]
    cash = next(i for i in body["items"] if i["kind"] == "cash_mismatch")
    assert (cash["expected_twd"], cash["collected_twd"], cash["difference_twd"]) == (500, 400, -100)
    late = next(i for i in body["items"] if i["kind"] == "late")
    assert late["late_by_s"] == 3600 and late["vehicle_code"] == "V1" and late["driver"] == "司機1"
    failed = {i["order_no"]: i["reason_code"] for i in body["items"] if i["kind"] == "failed"}
    assert failed == {"A-1": "nobody_home", "A-4": "refused"}


def test_board_shows_progress_driver_and_late_risk_and_the_map_the_last_position(svc: ServiceUnderTest) -> None:
    now = datetime.now(LOCAL_ZONE)
    day = Day(svc, "t1", now.date())
    day.fleet()

    def window(start: timedelta, end: timedelta) -> list[list[str]]:
        return [[(now + start).isoformat(), (now + end).isoformat()]]

    # A-0 is done; A-1's window closed an hour ago (late whatever happens); A-2's opens in an hour.
    day.order("A-0", *PLACES[0], time_windows=window(timedelta(hours=-5), timedelta(hours=-4)))
    day.order("A-1", *PLACES[1], time_windows=window(timedelta(hours=-3), timedelta(hours=-1)))
    day.order("A-2", *PLACES[2], time_windows=window(timedelta(hours=1), timedelta(hours=5)))
    plan_id = day.plan({"V1": ["A-0", "A-1", "A-2"]})
    route_id = day.routes(plan_id)["V1"]["id"]
    with svc.database.tenant_transaction("t1") as session:
        stop = session.scalars(select(RouteStop).where(RouteStop.seq == 1)).one()
        stop.status, stop.completed_at = "delivered", now - timedelta(hours=4, minutes=30)
        for minutes, lat in ((20, 25.071), (5, 25.072)):
            session.add(
                GpsBreadcrumb(route_id=route_id, lat=lat, lng=121.578, recorded_at=now - timedelta(minutes=minutes))
            )
    board = svc.client.get(f"/api/v1/board?date={day.day}", headers=day.headers).json()
    (route,) = board["routes"]
    assert route["progress"] == {"done": 1, "total": 3}
    assert (route["vehicle_code"], route["driver"]["name"], route["late_risk"]) == ("V1", "司機1", 1)
    assert [s["late_risk"] for s in route["stops"]] == [False, True, False]
    assert route["stops"][1]["late_by_s"] > 3600 - 60
    assert route["position"]["lat"] == 25.072  # the latest breadcrumb
    live = svc.client.get(f"/api/v1/live?date={day.day}", headers=day.headers).json()
    (mapped,) = live["routes"]
    assert mapped["position"]["lat"] == 25.072 and [s["status"] for s in mapped["stops"]] == [
        "delivered",
        "pending",
        "pending",
    ]
    assert mapped["depot"]["lat"] == 25.08
    other = svc.headers("t2", ("dispatcher",))
    assert svc.client.get(f"/api/v1/live?date={day.day}", headers=other).json()["routes"] == []
    assert svc.client.get("/api/v1/board?date=not-a-date", headers=day.headers).status_code == 422
