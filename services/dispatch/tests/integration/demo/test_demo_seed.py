"""The demo seed on SQLite and PostgreSQL: seeded once per backend (it writes two weeks of routes),
then read through the API as the demo's pages and the driver's phone read it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from smartdist.config import schema_name, service_database_url
from smartdist.db import Database, new_id
from smartdist.demo import seed_demo_baselines
from smartdist.identity import service as identity
from smartdist.identity.models import IdentityBase, UserAccount
from smartdist.kpi.models import KpiRecord
from smartdist.migrate import upgrade
from smartdist.testing.platform import ServiceUnderTest, service_under_test
from smartdist.testing.servers import postgres_available, throwaway_schema
from smartdist_dispatch.app import DEFINITION
from smartdist_dispatch.demo import DRIVER_EMAIL, DRIVER_PASSWORD, seed_dispatch_demo
from smartdist_dispatch.fleet.models import Depot, Driver, Vehicle
from smartdist_dispatch.orders.models import DeliveryOrder
from smartdist_dispatch.orders.spreadsheet import LOCAL_ZONE
from smartdist_dispatch.routes.models import GpsBreadcrumb, Route, RoutePlan, RouteStop

TABLES = (Depot, Vehicle, Driver, DeliveryOrder, RoutePlan, Route, RouteStop, GpsBreadcrumb, KpiRecord)


@dataclass
class Seeded:
    svc: ServiceUnderTest
    tenant: str
    first: dict[str, int]
    second: dict[str, int]
    first_s: float
    identity: Database


def counts(svc: ServiceUnderTest, tenant: str) -> dict[str, int]:
    with svc.database.tenant_transaction(tenant) as session:
        return {t.__name__: session.scalar(select(func.count()).select_from(t)) or 0 for t in TABLES}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def seeded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    tmp: Path = tmp_path_factory.mktemp("dispatch-demo")
    if request.param == "sqlite":
        url, schema_cm = f"sqlite:///{tmp / 'dispatch.db'}", None
    else:
        url = postgres_available()
        schema_cm = throwaway_schema(url)
    schema = schema_cm.__enter__() if schema_cm is not None else None
    try:
        with service_under_test(DEFINITION, url, schema, tmp / "data") as svc:
            # The console's identity database, as the demo has it before services seed (data dir, SQLite).
            people = Database(service_database_url(svc.runtime.settings, "identity"), schema=schema_name("identity"))
            upgrade(people, "smartdist.identity", IdentityBase)
            tenant = new_id()
            seed_demo_baselines(svc.runtime, tenant)  # the platform's step before each service's seed
            assert DEFINITION.seed_demo is not None
            started = time.perf_counter()
            DEFINITION.seed_demo(svc.runtime, tenant)
            first_s = time.perf_counter() - started
            first = counts(svc, tenant)
            DEFINITION.seed_demo(svc.runtime, tenant)  # the demo's second start
            yield Seeded(svc, tenant, first, counts(svc, tenant), first_s, people)
            people.dispose()
    finally:
        if schema_cm is not None:
            schema_cm.__exit__(None, None, None)


def get(seeded: Seeded, path: str, roles: tuple[str, ...] = ("dispatcher",)) -> Any:
    response = seeded.svc.client.get(path, headers=seeded.svc.headers(seeded.tenant, roles))
    assert response.status_code == 200, response.text
    return response.json()


def today() -> date:
    return datetime.now(LOCAL_ZONE).date()


def test_a_second_start_seeds_nothing_new(seeded: Seeded) -> None:
    assert seeded.second == seeded.first
    first = seeded.first
    assert (first["Depot"], first["Vehicle"], first["Driver"]) == (1, 4, 4)
    assert first["RoutePlan"] == 15  # 14 past days and today
    assert 14 * 16 + 40 <= first["DeliveryOrder"] <= 14 * 22 + 40
    assert first["RouteStop"] == first["DeliveryOrder"]  # every order on a route, none left waiting
    assert first["GpsBreadcrumb"] > 0
    print(f"first seed: {seeded.first_s:.2f} s, {first}")


def test_today_has_a_published_plan_on_the_board_with_vehicles_on_the_map(seeded: Seeded) -> None:
    board = get(seeded, f"/api/v1/board?date={today().isoformat()}")
    assert [p["status"] for p in board["plans"]] == ["published"]
    routes = board["routes"]
    assert len(routes) >= 2
    assert sum(r["progress"]["total"] for r in routes) == 40
    assert all(r["driver"] is not None for r in routes)
    # Every route keeps stops ahead today, whatever the hour the demo starts.
    assert all(r["progress"]["done"] < r["progress"]["total"] for r in routes)
    live = get(seeded, f"/api/v1/live?date={today().isoformat()}")
    assert all(r["position"] is not None for r in live["routes"]), live["routes"][0].keys()


def test_analytics_of_the_last_14_days_have_a_row_per_day_with_real_outcomes(seeded: Seeded) -> None:
    start, end = today() - timedelta(days=14), today() - timedelta(days=1)
    days = get(seeded, f"/api/v1/analytics?from={start}&to={end}&group_by=day")["items"]
    assert [d["key"] for d in days] == [(start + timedelta(days=k)).isoformat() for k in range(14)]
    assert all(d["routes"] >= 2 and d["stops"] >= 16 for d in days)
    assert all(d["delivered"] + d["failed"] == d["stops"] for d in days)  # past days are finished
    delivered = sum(d["delivered"] for d in days)
    failed = sum(d["failed"] for d in days)
    assert 0.8 < delivered / (delivered + failed) < 1.0
    assert sum(sum(d["exceptions"].values()) for d in days) == failed
    assert any(d["on_time_rate"] is not None and d["on_time_rate"] < 1 for d in days)  # some were late
    vehicles = get(seeded, f"/api/v1/analytics?from={start}&to={end}&group_by=vehicle")["items"]
    assert {v["key"] for v in vehicles} == {"VAN-1", "VAN-2", "VAN-3", "SCOOTER-1"}
    exceptions = get(seeded, f"/api/v1/exceptions?from={start}&to={end}")
    assert exceptions["counts"]["failed"] == failed


def test_kpi_summary_shows_the_planning_time_cut_orders_handled_and_co2e(seeded: Seeded) -> None:
    start = today() - timedelta(days=15)
    summary = get(seeded, f"/api/v1/kpi/summary?from={start}&to={today()}")
    kpis = {k["code"]: k for k in summary["kpis"]}
    assert kpis["planning_time_cut"]["met"] is True  # minutes from import to publish vs the 90 entered
    assert kpis["orders_handled"]["value"] >= 250
    assert summary["co2e_kg"] > 0  # past plans carry the merchant's usual plan as their baseline
    with seeded.svc.database.tenant_transaction(seeded.tenant) as session:
        records = list(session.scalars(select(KpiRecord)))
        # Each record is dated when its step happened that day, and marked as demo data.
        assert all(r.extra.get("demo") is True for r in records)
        days = {r.at.astimezone(LOCAL_ZONE).date() for r in records if r.doc_type == "delivery_order"}
        # 15 days; 14 just after midnight, when today's orders were imported before midnight.
        assert len(days) in (14, 15)


def test_the_driver_login_signs_in_and_reads_todays_route(seeded: Seeded) -> None:
    svc = seeded.svc
    with seeded.identity.system_transaction() as session:
        users = list(session.scalars(select(UserAccount).where(UserAccount.email == DRIVER_EMAIL)))
        assert [(u.tenant_id, u.roles) for u in users] == [(seeded.tenant, ["driver"])]
        token, _ = identity.sign_in(session, svc.signer, email=DRIVER_EMAIL, password=DRIVER_PASSWORD, ttl_s=600)
    response = svc.client.get("/api/v1/driver/routes/today", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    day = response.json()
    assert day["driver"]["code"] == "DR-01"
    (route,) = day["routes"]  # VAN-1's, or the first route when the planner left VAN-1 idle today
    assert route["vehicle_code"] in {"VAN-1", "VAN-2", "VAN-3", "SCOOTER-1"}
    assert any(s["status"] == "pending" for s in route["stops"])
    assert all(s["address"].startswith("台北市") for s in route["stops"])


def test_another_tenant_sees_none_of_the_demo(seeded: Seeded) -> None:
    svc, other = seeded.svc, new_id()
    headers = svc.headers(other, ("dispatcher",))
    for path in ("/api/v1/orders", "/api/v1/depots", "/api/v1/vehicles", "/api/v1/drivers", "/api/v1/plans"):
        response = svc.client.get(path, headers=headers)
        assert response.status_code == 200
        assert response.json()["items"] == [], path
    board = svc.client.get(f"/api/v1/board?date={today()}", headers=headers).json()
    assert board["plans"] == [] and board["routes"] == []
    summary = svc.client.get("/api/v1/kpi/summary", headers=svc.headers(other, ("owner",))).json()
    assert {k["code"]: k["value"] for k in summary["kpis"]}["orders_handled"] in (0, 0.0, None)


def test_the_login_driver_takes_the_first_route_when_the_planner_leaves_their_van_idle(service_factory) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        tenant = new_id()
        with svc.database.tenant_transaction(tenant) as session:
            # VAN-1 is at no depot today, so the plan cannot use it.
            session.add(
                Vehicle(
                    code="VAN-1",
                    kind="van",
                    capacity_weight_kg=900,
                    capacity_volume_l=4500,
                    capacity_boxes=36,
                    shift_start=dt_time(8),
                    shift_end=dt_time(18),
                )  # fmt: skip
            )
        with svc.database.tenant_transaction(tenant) as session:
            result = seed_dispatch_demo(session, tenant, driver_subject="driver-login", past_days=0, today_orders=12)
        assert (result.days, result.orders, result.plans) == (1, 12, 1)
        answer = svc.client.get(
            "/api/v1/driver/routes/today", headers=svc.headers(tenant, ("driver",), subject="driver-login")
        )
        assert answer.status_code == 200, answer.text
        (route,) = answer.json()["routes"]
        assert route["vehicle_code"] != "VAN-1" and route["seq"] == 1
        board = svc.client.get(f"/api/v1/board?date={today()}", headers=svc.headers(tenant, ("dispatcher",))).json()
        assert sum(r["progress"]["total"] for r in board["routes"]) == 12
