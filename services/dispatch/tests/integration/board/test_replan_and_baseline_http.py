"""Re-planning a published plan (a job) and the baseline plan behind CO2e, on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from smartdist.kpi import record
from smartdist.problems import Conflict
from smartdist_dispatch.board.service import read_live_day, store_replan
from smartdist_dispatch.orders.models import DeliveryOrder
from smartdist_dispatch.routes.models import RouteNotice, RoutePlan, RouteStop

from .conftest import PLACES, Day  # noqa: TID252 - the folder's own helpers


def finished_job(day: Day, job_id: str) -> dict[str, Any]:
    deadline = time.time() + 30
    while time.time() < deadline:
        job = day.svc.client.get(f"/api/v1/jobs/{job_id}", headers=day.headers).json()
        if job["status"] in ("succeeded", "failed"):
            return dict(job)
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish")


def test_a_broken_down_van_and_a_cancelled_order_are_replanned_around_the_done_stops(day: Day) -> None:
    day.fleet()
    for k in range(6):
        day.order(f"A-{k}", *PLACES[k])
    plan_id = day.plan({"V1": ["A-0", "A-1", "A-2"], "V2": ["A-3", "A-4", "A-5"]})
    with day.svc.database.tenant_transaction(day.tenant) as session:
        done = session.scalars(select(RouteStop).where(RouteStop.order_id == day.orders["A-0"])).one()
        done.status, done.completed_at = "delivered", datetime.now(UTC)
        session.get(DeliveryOrder, day.orders["A-4"]).status = "cancelled"  # type: ignore[union-attr]
    started = day.svc.client.post(
        f"/api/v1/plans/{plan_id}/replan",
        headers=day.headers | {"Idempotency-Key": "r1"},
        json={"exclude_vehicle_ids": [day.vehicles["V2"]], "time_limit_s": 1},
    )
    assert started.status_code == 202, started.text
    job = finished_job(day, started.json()["job_id"])
    assert job["status"] == "succeeded", job
    routes = day.routes(plan_id)
    v1 = [s["order_no"] for s in routes["V1"]["stops"]]
    assert v1[0] == "A-0" and sorted(v1) == ["A-0", "A-1", "A-2", "A-3", "A-5"]
    assert routes["V2"]["stops"] == [] and routes["V1"]["revision"] == routes["V2"]["revision"] == 2
    assert [s["seq"] for s in routes["V1"]["stops"]] == [1, 2, 3, 4, 5]
    etas = [s["eta"] for s in routes["V1"]["stops"][1:]]
    assert etas == sorted(etas)
    with day.svc.database.tenant_transaction(day.tenant) as session:
        notices = {n.route_id: n for n in session.scalars(select(RouteNotice))}
    assert {n.kind for n in notices.values()} == {"replanned"}
    assert "A-3" in notices[routes["V1"]["id"]].message and "A-4" in notices[routes["V2"]["id"]].message
    replay = day.svc.client.post(
        f"/api/v1/plans/{plan_id}/replan",
        headers=day.headers | {"Idempotency-Key": "r1"},
        json={"exclude_vehicle_ids": [day.vehicles["V2"]], "time_limit_s": 1},
    )
    assert replay.json() == started.json()


def test_replan_refuses_unpublished_unknown_and_foreign_plans(day: Day) -> None:
    day.fleet()
    for k in range(2):
        day.order(f"A-{k}", *PLACES[k])
    draft = day.plan({"V1": ["A-0", "A-1"]}, publish=False)
    post = day.svc.client.post
    assert post(f"/api/v1/plans/{draft}/replan", headers=day.headers).status_code == 409
    assert post("/api/v1/plans/999/replan", headers=day.headers).status_code == 404
    day.order("A-2", *PLACES[2])
    plan_id = day.plan({"V1": ["A-2"]})
    bad = post(f"/api/v1/plans/{plan_id}/replan", headers=day.headers, json={"exclude_vehicle_ids": [12345]})
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["body", "exclude_vehicle_ids", 0]
    everyone = post(
        f"/api/v1/plans/{plan_id}/replan", headers=day.headers, json={"exclude_vehicle_ids": [day.vehicles["V1"]]}
    )
    assert everyone.status_code == 422
    other = day.svc.headers("t2", ("dispatcher",))
    assert post(f"/api/v1/plans/{plan_id}/replan", headers=other).status_code == 404
    with day.svc.database.tenant_transaction(day.tenant) as session:
        old = session.get(RoutePlan, draft)
        assert old is not None
        old.status, old.plan_date = "published", date(2020, 1, 6)
    over = post(f"/api/v1/plans/{draft}/replan", headers=day.headers)
    assert over.status_code == 422 and over.json()["errors"][0]["message"] == "the plan's day is over"
    assert day.svc.client.put(f"/api/v1/plans/{plan_id}/baseline", headers=other, json={}).status_code == 404


def test_hand_plan_baseline_is_judged_on_the_same_matrix_and_feeds_co2e(day: Day) -> None:
    day.fleet()
    for k in range(6):
        day.order(f"A-{k}", *PLACES[k])
    plan_id = day.plan({"V1": ["A-0", "A-4", "A-1"], "V2": ["A-5", "A-2", "A-3"]})
    put = day.svc.client.put
    # The merchant's usual way: one van zig-zags through every order.
    usual = {"routes": [{"vehicle_id": day.vehicles["V1"], "order_nos": ["A-3", "A-0", "A-2", "A-4", "A-5", "A-1"]}]}
    answer = put(f"/api/v1/plans/{plan_id}/baseline", headers=day.headers, json=usual)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    planned = day.plan_row(plan_id).total_distance_m
    assert body["baseline_source"] == "hand_plan" and body["planned_distance_m"] == planned
    assert body["baseline_distance_m"] == day.plan_row(plan_id).baseline_distance_m > planned
    assert body["saved_m"] == body["baseline_distance_m"] - planned
    assert body["co2e_kg"] == pytest.approx(body["saved_m"] / 1000 * 2.263 / 7, abs=1e-3)
    assert body["routes"][0]["distance_m"] == body["baseline_distance_m"] and body["feasible"] is True
    # Publishing logs the plan's record; the KPI summary reads the stored baseline for the saving.
    with day.svc.database.tenant_transaction(day.tenant) as session:
        record(
            session,
            service="dispatch",
            doc_type="route",
            doc_no=f"P{plan_id}",
            status="published",
            distance_m=planned,
            tenant_id=day.tenant,
        )
    owner = day.svc.headers(day.tenant, ("owner",))
    summary = day.svc.client.get("/api/v1/kpi/summary", headers=owner).json()
    assert summary["co2e_kg"] == pytest.approx(body["co2e_kg"], abs=1e-3)
    # A hand plan naming orders outside the plan or unknown vehicles is a 422 naming each.
    wrong = put(
        f"/api/v1/plans/{plan_id}/baseline",
        headers=day.headers,
        json={"routes": [{"vehicle_id": 999, "order_nos": ["A-0", "NOPE"]}]},
    )
    assert wrong.status_code == 422
    assert [e["loc"] for e in wrong.json()["errors"]] == [
        ["body", "routes", 0, "vehicle_id"],
        ["body", "routes", 0, "order_nos", 1],
    ]
    assert day.plan_row(plan_id).baseline_distance_m == body["baseline_distance_m"]


def test_without_a_hand_plan_the_daily_baseline_is_the_reference(day: Day) -> None:
    day.fleet()
    day.order("A-0", *PLACES[0])
    plan_id = day.plan({"V1": ["A-0"]})
    put = day.svc.client.put
    missing = put(f"/api/v1/plans/{plan_id}/baseline", headers=day.headers, json={})
    assert missing.status_code == 422 and missing.json()["errors"][0]["loc"] == ["body", "routes"]
    owner = day.svc.headers(day.tenant, ("owner",))
    assert (
        day.svc.client.put(
            "/api/v1/kpi/baselines/manual_distance_km_per_day", json={"value": 42}, headers=owner
        ).status_code
        == 200
    )
    body = put(f"/api/v1/plans/{plan_id}/baseline", headers=day.headers).json()
    assert (body["baseline_source"], body["baseline_distance_m"]) == ("daily_baseline", 42000)
    assert body["saved_m"] == 42000 - day.plan_row(plan_id).total_distance_m


def test_a_route_changed_while_the_solver_ran_makes_the_replan_a_conflict(day: Day) -> None:
    day.fleet()
    for k in range(4):
        day.order(f"A-{k}", *PLACES[k])
    plan_id = day.plan({"V1": ["A-0", "A-1"], "V2": ["A-2", "A-3"]})
    now = datetime.now(UTC)
    with day.svc.database.tenant_transaction(day.tenant) as session:
        live = read_live_day(session, day.day, now=now, plan_id=plan_id, pending_as_stops=True)
    # Meanwhile a rush order goes into V1 (revision 2): the solver's answer is stale.
    rush = day.order("RUSH", *PLACES[5])
    inserted = day.svc.client.post(
        "/api/v1/routes/rush-orders", headers=day.headers, json={"order_id": rush, "plan_date": str(day.day)}
    )
    assert inserted.status_code == 200, inserted.text
    with (
        pytest.raises(Conflict, match="changed while re-planning"),
        day.svc.database.tenant_transaction(day.tenant) as session,
    ):
        store_replan(session, live, {}, [], tenant_id=day.tenant)
    assert sum(len(r["stops"]) for r in day.routes(plan_id).values()) == 5
