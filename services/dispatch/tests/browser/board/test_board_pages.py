"""The dispatcher's pages in headless Chromium against the real service (SQLite): plan and publish
from the board, the live map with no tile server, analytics charts from seeded outcomes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from smartdist.testing.browser import live_server
from smartdist.testing.platform import ServiceUnderTest, service_under_test
from smartdist_dispatch.app import DEFINITION
from smartdist_dispatch.fleet.models import Driver
from smartdist_dispatch.orders.spreadsheet import LOCAL_ZONE
from smartdist_dispatch.planning.feasibility import evaluate_route
from smartdist_dispatch.planning.model import Plan
from smartdist_dispatch.routes.models import GpsBreadcrumb, Route, RouteStop
from smartdist_dispatch.routes.service import planning_input, store_plan

pytestmark = pytest.mark.browser

PLACES = [
    (25.079, 121.575),
    (25.070, 121.580),
    (25.062, 121.560),
    (25.051, 121.555),
    (25.085, 121.590),
    (25.074, 121.566),
]


@pytest.fixture(scope="module")
def dispatch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServiceUnderTest, str]]:
    """One service for the module (each test works in its own new tenant), so migrations run once."""
    tmp_path: Path = tmp_path_factory.mktemp("dispatch-board")
    url = f"sqlite:///{tmp_path / 'dispatch.db'}"
    with service_under_test(DEFINITION, url, None, tmp_path / "data") as svc, live_server(svc.client.app) as base:
        yield svc, base


def sign_in(page: Page, svc: ServiceUnderTest, base: str) -> tuple[str, dict[str, str]]:
    tenant = svc.new_tenant()
    page.context.add_cookies([{"name": "smartdist_token", "value": svc.token(tenant, ["dispatcher"]), "url": base}])
    return tenant, svc.headers(tenant, ("dispatcher",))


def fleet(svc: ServiceUnderTest, tenant: str, codes: tuple[str, ...] = ("V1", "V2")) -> dict[str, Any]:
    """A depot, vans and each van's usual driver, through the API as a dispatcher would set them up."""
    post = svc.client.post
    headers = svc.headers(tenant, ("dispatcher",))
    depot = post("/api/v1/depots", json={"code": "D1", "name": "內湖倉", "lat": 25.08, "lng": 121.57}, headers=headers)
    assert depot.status_code == 201, depot.text
    vehicles: dict[str, int] = {}
    drivers: dict[int, int] = {}  # driver id -> the vehicle they usually drive
    for k, code in enumerate(codes):
        vehicle = post(
            "/api/v1/vehicles",
            headers=headers,
            json={
                "code": code,
                "kind": "van",
                "capacity_weight_kg": 800,
                "capacity_volume_l": 3000,
                "capacity_boxes": 9,
                "shift_start": "08:00",
                "shift_end": "20:00",
                "depot_id": depot.json()["id"],
            },
        )
        assert vehicle.status_code == 201, vehicle.text
        vehicles[code] = vehicle.json()["id"]
        driver = post("/api/v1/drivers", headers=headers, json={"code": f"DR{k + 1}", "name": f"司機{k + 1}"})
        assert driver.status_code == 201, driver.text
        drivers[driver.json()["id"]] = vehicles[code]
    # Each van's usual driver (publish gives them its route), set in the table so this test does
    # not depend on how the drivers API takes it.
    with svc.database.tenant_transaction(tenant) as session:
        for driver_id, vehicle_id in drivers.items():
            row = session.get(Driver, driver_id)
            assert row is not None
            row.vehicle_id = vehicle_id
    return {"depot": depot.json(), "vehicles": vehicles}


def create_orders(svc: ServiceUnderTest, headers: dict[str, str], day: str, count: int) -> None:
    for k in range(count):
        created = svc.client.post(
            "/api/v1/orders",
            headers=headers,
            json={
                "order_no": f"A-{k}",
                "customer_name": f"客戶{k}",
                "lat": PLACES[k][0],
                "lng": PLACES[k][1],
                "time_windows": [[f"{day}T09:00:00+08:00", f"{day}T17:00:00+08:00"]],
                "service_s": 300,
                "weight_kg": 5,
                "volume_l": 20,
                "boxes": 3,
            },
        )
        assert created.status_code == 201, created.text


def stored_plan(svc: ServiceUnderTest, tenant: str, depot_id: int, day: str, routes: dict[str, list[str]]) -> int:
    """A published plan of hand-drawn routes (the solver is tested elsewhere)."""
    plan_day = datetime.fromisoformat(day).date()
    with svc.database.tenant_transaction(tenant) as session:
        source = planning_input(session, depot_id, plan_day)
        vehicles = {v.id: v for v in source.problem.vehicles}
        planned = [evaluate_route(source.problem, vehicles[c], nos).as_planned_route() for c, nos in routes.items()]
        row = store_plan(session, source, Plan(planned, [], "hand", 0.0), plan_day, tenant_id=tenant)
        row.status, row.published_at = "published", datetime.now(LOCAL_ZONE)
        for route in session.scalars(select(Route).where(Route.plan_id == row.id)):
            route.status = "published"
        return row.id


def tomorrow() -> str:
    return (datetime.now(LOCAL_ZONE).date() + timedelta(days=1)).isoformat()


def test_dispatcher_plans_the_day_on_the_board_watches_the_progress_and_publishes(
    page: Page, dispatch: tuple[ServiceUnderTest, str]
) -> None:
    svc, base = dispatch
    tenant, headers = sign_in(page, svc, base)
    day = tomorrow()
    fleet(svc, tenant)
    create_orders(svc, headers, day, 5)
    page.goto(f"{base}/board?date={day}&lang=en")
    expect(page.locator("#waiting tbody tr")).to_have_count(5)
    expect(page.locator("#routes-empty")).to_be_visible()
    expect(page.locator("#depot option")).to_have_count(1)
    page.fill("input[name=time_limit_s]", "1")
    page.click("#start-planning")
    job = page.locator("#plan-job")
    expect(job).to_be_visible()
    expect(job).to_have_attribute("data-status", "succeeded", timeout=30_000)
    assert job.locator("progress").evaluate("p => p.value") == 1
    plan = page.locator("section.plan")
    expect(plan).to_have_count(1)
    expect(plan).to_have_attribute("data-status", "planned")
    expect(page.locator("#waiting tbody tr")).to_have_count(0)
    # Five 3-box orders, 9-box vans: two routes, every order on a stop card with an ETA.
    expect(page.locator(".route-column")).to_have_count(2)
    expect(page.locator(".stop-card")).to_have_count(5)
    expect(page.locator(".stop-card .eta").first).to_have_text(re.compile(r"\d\d:\d\d"))
    plan.locator("button.publish").click()
    expect(plan).to_have_attribute("data-status", "published")
    expect(plan.locator(".plan-status")).to_have_text("Published")
    expect(page.locator(".route-column .meta").first).to_contain_text("司機")
    expect(page.locator(".route-progress").first).to_have_attribute("value", "0")
    # V2 breaks down: re-plan without it. V1 (9 boxes) keeps three 3-box orders, two go back to waiting.
    v1 = page.locator(".route-column", has=page.locator("h3", has_text="V1"))
    v2 = page.locator(".route-column", has=page.locator("h3", has_text="V2"))
    v2.locator("input[name=exclude]").check()
    plan.locator("button.replan").click()
    expect(v2.locator(".stop-card")).to_have_count(0, timeout=20_000)
    expect(v1.locator(".stop-card")).to_have_count(3)
    expect(v1.locator(".meta").first).to_contain_text("revision 2")
    expect(page.locator("#waiting tbody tr")).to_have_count(2)
    expect(page.locator("#notice")).to_contain_text("Could not plan:")
    # zh-TW is the default language.
    page.goto(f"{base}/board?date={day}&lang=zh-TW")
    expect(page.locator("h1")).to_have_text("派車看板")


def test_rush_order_from_the_board_goes_into_a_published_route(
    page: Page, dispatch: tuple[ServiceUnderTest, str]
) -> None:
    svc, base = dispatch
    tenant, headers = sign_in(page, svc, base)
    day = tomorrow()
    setup = fleet(svc, tenant)
    create_orders(svc, headers, day, 4)
    stored_plan(svc, tenant, setup["depot"]["id"], day, {"V1": ["A-0", "A-1"], "V2": ["A-2", "A-3"]})
    created = svc.client.post(
        "/api/v1/orders",
        headers=headers,
        json={
            "order_no": "RUSH",
            "customer_name": "急件",
            "lat": 25.0702,
            "lng": 121.5798,
            "time_windows": [[f"{day}T09:00:00+08:00", f"{day}T17:00:00+08:00"]],
            "boxes": 1,
        },
    )
    assert created.status_code == 201
    page.goto(f"{base}/board?date={day}&lang=en")
    row = page.locator("#waiting tbody tr[data-order-no=RUSH]")
    row.locator("button.rush").click()
    expect(page.locator("#notice")).to_contain_text("Inserted into")
    expect(page.locator(".stop-card[data-order-no=RUSH]")).to_have_count(1)
    expect(page.locator("#waiting tbody tr")).to_have_count(0)
    expect(page.locator(".route-column .meta", has_text="revision 2")).to_have_count(1)


def test_live_map_draws_a_line_per_route_and_the_markers_without_a_tile_server(
    page: Page, dispatch: tuple[ServiceUnderTest, str]
) -> None:
    svc, base = dispatch
    tenant, headers = sign_in(page, svc, base)
    day = tomorrow()
    setup = fleet(svc, tenant)
    create_orders(svc, headers, day, 5)
    plan_id = stored_plan(svc, tenant, setup["depot"]["id"], day, {"V1": ["A-0", "A-1", "A-2"], "V2": ["A-3", "A-4"]})
    with svc.database.tenant_transaction(tenant) as session:
        routes = list(session.scalars(select(Route).where(Route.plan_id == plan_id).order_by(Route.seq)))
        first = session.scalars(select(RouteStop).where(RouteStop.route_id == routes[0].id, RouteStop.seq == 1)).one()
        first.status, first.completed_at = "delivered", datetime.now(LOCAL_ZONE)
        session.add(GpsBreadcrumb(route_id=routes[0].id, lat=25.075, lng=121.577, recorded_at=datetime.now(LOCAL_ZONE)))
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(f"{base}/board/map?date={day}&lang=en&refresh_s=5")
    box = page.locator("#map")
    expect(box).to_have_attribute("data-routes", "2")
    expect(page.locator("#no-tiles")).to_be_visible()
    expect(page.locator("path.route-line")).to_have_count(2)
    expect(page.locator("path.stop-marker")).to_have_count(5)
    expect(page.locator("path.stop-delivered")).to_have_count(1)
    expect(page.locator(".vehicle-marker")).to_have_count(1)
    expect(page.locator(".vehicle-marker")).to_have_text("V1")
    expect(page.locator(".leaflet-tile")).to_have_count(0)
    assert all(u.startswith(base) for u in requests), [u for u in requests if not u.startswith(base)]
    # Each line runs depot -> stops -> depot: V1's has 5 points, so its SVG path has 5 vertices.
    d = page.locator("path.route-line").first.get_attribute("d") or ""
    assert d.count("L") == 4
    # The map refreshes by itself: V2's driver reports a first position, and it appears.
    with svc.database.tenant_transaction(tenant) as session:
        session.add(GpsBreadcrumb(route_id=routes[1].id, lat=25.06, lng=121.56, recorded_at=datetime.now(LOCAL_ZONE)))
    expect(page.locator(".vehicle-marker")).to_have_count(2, timeout=9_000)


def test_analytics_page_draws_its_charts_and_tables_from_the_seeded_outcomes(
    page: Page, dispatch: tuple[ServiceUnderTest, str]
) -> None:
    svc, base = dispatch
    tenant, headers = sign_in(page, svc, base)
    day = tomorrow()
    setup = fleet(svc, tenant)
    create_orders(svc, headers, day, 4)
    plan_id = stored_plan(svc, tenant, setup["depot"]["id"], day, {"V1": ["A-0", "A-1"], "V2": ["A-2", "A-3"]})
    late = datetime.fromisoformat(f"{day}T18:00:00+08:00")
    on_time = datetime.fromisoformat(f"{day}T10:00:00+08:00")
    with svc.database.tenant_transaction(tenant) as session:
        routes = {r.seq: r for r in session.scalars(select(Route).where(Route.plan_id == plan_id))}
        stops = list(session.scalars(select(RouteStop).order_by(RouteStop.route_id, RouteStop.seq)))
        outcomes = [
            ("delivered", on_time, None),
            ("failed", on_time, "refused"),
            ("delivered", late, None),
            ("delivered", on_time, None),
        ]
        for stop, (status, when, reason) in zip(stops, outcomes, strict=True):
            stop.status, stop.completed_at, stop.reason_code = status, when, reason
        assert len(routes) == 2
        routes[1].driver_id = session.scalars(select(Driver.id).where(Driver.code == "DR1")).one()
    page.goto(f"{base}/board/analytics?from={day}&to={day}&lang=en")
    expect(page.locator("#analytics")).to_have_attribute("data-loaded", "true")
    rates = page.evaluate("() => Chart.getChart('rates-chart').data.datasets.map(d => d.data)")
    assert rates == [[66.7], [75.0]]  # on time: 2 of 3 delivered; success: 3 of 4 handled
    distance = page.evaluate("() => Chart.getChart('distance-chart').data.datasets[0].data")
    assert len(distance) == 1 and distance[0] > 0
    expect(page.locator("#table-vehicle tbody tr")).to_have_count(2)
    expect(page.locator("#table-vehicle tbody tr[data-key=V1]")).to_contain_text("Refused 1")
    # V1's route has its driver, V2's has nobody: the driver by name with the code beside it.
    expect(page.locator("#table-driver tbody tr")).to_have_count(2)
    expect(page.locator("#table-driver tbody tr[data-key=DR1] td").first).to_have_text("司機1 (DR1)")
    href = page.locator("#csv-vehicle").get_attribute("href") or ""
    exported = svc.client.get(href, headers=headers)
    assert exported.status_code == 200 and exported.text.startswith("\ufeff")  # a BOM: Excel reads it as UTF-8
    assert exported.text.removeprefix("\ufeff").splitlines()[0].startswith("key,name,routes,stops")
    page.goto(f"{base}/board/exceptions?from={day}&to={day}&lang=en")
    expect(page.locator("#exceptions")).to_have_attribute("data-loaded", "true")
    expect(page.locator("#exceptions tbody tr[data-kind=failed] .detail")).to_have_text("Refused")
    expect(page.locator("#exceptions tbody tr[data-kind=late]")).to_have_count(1)


def test_orders_sheet_with_a_bad_row_lists_its_errors_and_imports_nothing_then_a_good_one_imports(
    page: Page, dispatch: tuple[ServiceUnderTest, str]
) -> None:
    svc, base = dispatch
    tenant, headers = sign_in(page, svc, base)
    day = tomorrow()
    fleet(svc, tenant)
    header = "order_no,customer,address,lat,lng,window_start,window_end,boxes,cash_twd"
    good_rows = [
        f"S-1,王小明,台北市內湖區成功路四段 188 號,25.0838,121.5940,{day}T09:00,{day}T12:00,2,350",
        f"S-2,林記花店,台北市松山區八德路四段 761 號,25.0510,121.5775,{day}T13:00,{day}T17:00,1,0",
    ]
    bad = "\n".join([header, *good_rows, f"S-3,,台北市,95,121.5,{day}T12:00,{day}T09:00,1,0"]).encode("utf-8-sig")
    page.goto(f"{base}/board?date={day}&lang=en")
    expect(page.locator("#waiting-empty")).to_be_visible()
    expect(page.locator(".import-columns strong")).to_have_text(["order_no", "customer"])
    page.set_input_files("#import-file", {"name": "orders.csv", "mimeType": "text/csv", "buffer": bad})
    page.click("#import-orders")
    errors = page.locator("#import-errors")
    expect(errors).to_be_visible()
    expect(page.locator("#import-summary")).to_contain_text("nothing was imported")
    # Row 4 (the header is row 1): no customer, latitude out of range, window ends before it starts.
    expect(errors.locator("tbody tr[data-row='4']")).to_have_count(3)
    expect(errors.locator("tbody tr td:nth-child(2)")).to_have_text(["customer", "lat", "window_end"])
    expect(page.locator("#waiting tbody tr")).to_have_count(0)
    assert svc.client.get("/api/v1/orders", headers=headers).json()["items"] == []
    good = "\n".join([header, *good_rows]).encode()
    page.set_input_files("#import-file", {"name": "orders.csv", "mimeType": "text/csv", "buffer": good})
    page.click("#import-orders")
    expect(page.locator("#notice")).to_have_text("2 orders imported")
    expect(errors).to_be_hidden()
    expect(page.locator("#waiting tbody tr")).to_have_count(2)
    expect(page.locator("#waiting tbody tr[data-order-no='S-2']")).to_contain_text("林記花店")


def test_the_usual_plan_entered_on_the_board_shows_its_distance_violations_and_co2e_saved(
    page: Page, dispatch: tuple[ServiceUnderTest, str]
) -> None:
    svc, base = dispatch
    tenant, headers = sign_in(page, svc, base)
    day = tomorrow()
    setup = fleet(svc, tenant)
    create_orders(svc, headers, day, 4)
    plan_id = stored_plan(svc, tenant, setup["depot"]["id"], day, {"V1": ["A-0", "A-1"], "V2": ["A-2", "A-3"]})
    page.goto(f"{base}/board?date={day}&lang=en")
    section = page.locator(f"section.plan[data-plan-id='{plan_id}']")
    baseline = section.locator("details.baseline")
    baseline.locator("summary").click()
    # The merchant's habit: V1 takes every order in zigzag order — 4 x 3 boxes on a 9-box van.
    baseline.locator("input[data-vehicle-code=V1]").fill("A-0, A-2、A-1 A-3")
    baseline.locator("button[type=submit]").click()
    result = baseline.locator(".baseline-result")
    expect(result.locator("td[data-figure=co2e]")).to_contain_text("kg CO2e")
    expect(result.locator(".violations li[data-kind=capacity]")).not_to_have_count(0)
    answer = svc.client.get(f"/api/v1/board?date={day}", headers=headers).json()
    (plan,) = answer["plans"]
    saved_km = max(plan["baseline_distance_m"] - plan["total_distance_m"], 0) / 1000
    expect(result.locator("td[data-figure=distance]")).to_have_text(f"{plan['baseline_distance_m'] / 1000:.1f} km")
    expect(result.locator("td[data-figure=saved]")).to_have_text(f"{saved_km:.1f} km")
    expect(baseline.locator("summary .stored")).to_contain_text(f"{plan['baseline_distance_m'] / 1000:.1f} km")
    # An order that is not in the plan is named, and the stored baseline stays as it was.
    baseline.locator("input[data-vehicle-code=V2]").fill("NOPE-1")
    baseline.locator("button[type=submit]").click()
    expect(result.locator(".problem")).to_contain_text("order NOPE-1 is not in plan")
    again = svc.client.get(f"/api/v1/board?date={day}", headers=headers).json()["plans"][0]
    assert again["baseline_distance_m"] == plan["baseline_distance_m"]
