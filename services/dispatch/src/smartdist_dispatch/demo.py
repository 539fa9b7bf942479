"""``ServiceDefinition.seed_demo``: the demo merchant's fleet in Neihu, today's published plan and two weeks of routes.

Everything goes through the service's own functions — ``create_orders``, ``store_plan``,
``publish_plan``, ``act_on_stop``, ``add_breadcrumbs``, ``set_baseline`` — so the rows, KPI
records and events are the ones real use writes. Only the time stamps that those functions take
from the clock are set to when each step happened on its day (orders imported about 07:10,
routes published some minutes later, each delivery at its time), and every KPI record written
here carries ``demo: true``: the demo tenant's KPI figures come from this invented history and
no other tenant gets any of it.

Idempotent per day: the orders of a day are numbered ``DEMO-<yyyymmdd>-<nn>``, and a day whose
orders exist is left alone, so a second start seeds nothing new. Fast: today's plan is solved
with a 1 s limit; past days are built with the planner's cheapest insertion.
"""

from __future__ import annotations

import dataclasses
import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import structlog
from sqlalchemy import func, select

from smartdist.config import PlatformSettings, schema_name, service_database_url
from smartdist.db import Database, ScopedSession, utcnow
from smartdist.identity import service as identity
from smartdist.identity.models import UserAccount
from smartdist.kpi import record
from smartdist.kpi.models import KpiRecord
from smartdist_dispatch.board.service import set_baseline
from smartdist_dispatch.driver.domain import Action
from smartdist_dispatch.driver.schemas import ArriveIn, BreadcrumbIn, DeliverIn, FailIn
from smartdist_dispatch.driver.service import act_on_stop, add_breadcrumbs
from smartdist_dispatch.fleet.models import Depot, Driver, Vehicle
from smartdist_dispatch.orders.models import DeliveryOrder
from smartdist_dispatch.orders.schemas import OrderIn
from smartdist_dispatch.orders.service import create_orders
from smartdist_dispatch.orders.spreadsheet import LOCAL_ZONE
from smartdist_dispatch.planning.feasibility import evaluate_route
from smartdist_dispatch.planning.insertion import LiveRoute, insert_rush_stops
from smartdist_dispatch.planning.model import Plan, RoutingProblem, Unassigned
from smartdist_dispatch.planning.selection import plan_routes
from smartdist_dispatch.routes.models import Route, RoutePlan, RouteStop
from smartdist_dispatch.routes.service import SERVICE, planning_input, publish_plan, store_plan

log = structlog.get_logger(__name__)

# The driver's login in the demo (role driver), linked to driver DR-01 who drives VAN-1.
DRIVER_EMAIL = "driver@smartdist.local"
DRIVER_PASSWORD = "demo-driver"
DEMO_LOGINS = [(DRIVER_EMAIL, DRIVER_PASSWORD, "司機 Driver (/dispatch/driver)")]

DEPOT = {
    "code": "NEIHU",
    "name": "內湖物流中心",
    "lat": 25.0797,
    "lng": 121.5753,
    "address": "台北市內湖區瑞光路 399 號",
}
VEHICLES = [
    {"code": "VAN-1", "kind": "van", "capacity_weight_kg": 900, "capacity_volume_l": 4500, "capacity_boxes": 36,
     "shift_start": time(8), "shift_end": time(18), "fixed_cost_twd": 800},
    {"code": "VAN-2", "kind": "van", "capacity_weight_kg": 900, "capacity_volume_l": 4500, "capacity_boxes": 36,
     "shift_start": time(8), "shift_end": time(18), "fixed_cost_twd": 800},
    {"code": "VAN-3", "kind": "van", "capacity_weight_kg": 700, "capacity_volume_l": 3500, "capacity_boxes": 30,
     "shift_start": time(9), "shift_end": time(19), "fixed_cost_twd": 700},
    {"code": "SCOOTER-1", "kind": "scooter", "capacity_weight_kg": 40, "capacity_volume_l": 150, "capacity_boxes": 8,
     "shift_start": time(8), "shift_end": time(17), "fixed_cost_twd": 200},
]  # fmt: skip
DRIVERS = [  # code, name, phone, usual vehicle
    ("DR-01", "陳志明", "0912-345-678", "VAN-1"),
    ("DR-02", "林美玲", "0923-456-789", "VAN-2"),
    ("DR-03", "黃建國", "0934-567-890", "VAN-3"),
    ("DR-04", "張雅婷", "0955-678-901", "SCOOTER-1"),
]
# Real places in Taipei (street address, latitude, longitude).
ADDRESSES = [
    ("台北市信義區市府路 1 號", 25.0375, 121.5637),
    ("台北市信義區信義路五段 7 號", 25.0339, 121.5645),
    ("台北市信義區松仁路 100 號", 25.0356, 121.5683),
    ("台北市信義區松山路 11 號", 25.0493, 121.5783),
    ("台北市信義區吳興街 220 號", 25.0284, 121.5641),
    ("台北市大安區忠孝東路四段 45 號", 25.0416, 121.5434),
    ("台北市大安區羅斯福路四段 1 號", 25.0174, 121.5397),
    ("台北市大安區復興南路一段 390 號", 25.0336, 121.5436),
    ("台北市大安區和平東路二段 106 號", 25.0255, 121.5433),
    ("台北市大安區師大路 49 號", 25.0238, 121.5291),
    ("台北市中正區重慶南路一段 122 號", 25.0400, 121.5119),
    ("台北市中正區北平西路 3 號", 25.0478, 121.5170),
    ("台北市中正區汀州路三段 230 號", 25.0140, 121.5336),
    ("台北市萬華區廣州街 211 號", 25.0372, 121.4999),
    ("台北市萬華區西寧南路 36 號", 25.0435, 121.5066),
    ("台北市萬華區青年路 152 號", 25.0275, 121.4963),
    ("台北市大同區迪化街一段 72 號", 25.0555, 121.5098),
    ("台北市大同區承德路二段 1 號", 25.0577, 121.5183),
    ("台北市中山區中山北路二段 44 號", 25.0561, 121.5227),
    ("台北市中山區林森北路 380 號", 25.0594, 121.5251),
    ("台北市中山區民生東路三段 128 號", 25.0577, 121.5447),
    ("台北市中山區北安路 458 號", 25.0818, 121.5470),
    ("台北市松山區敦化北路 340 號", 25.0694, 121.5525),
    ("台北市松山區八德路四段 761 號", 25.0510, 121.5775),
    ("台北市松山區南京東路五段 123 號", 25.0514, 121.5617),
    ("台北市松山區民生東路五段 69 號", 25.0590, 121.5637),
    ("台北市內湖區成功路四段 188 號", 25.0838, 121.5940),
    ("台北市內湖區民權東路六段 180 號", 25.0693, 121.5893),
    ("台北市內湖區康寧路三段 99 號", 25.0727, 121.6081),
    ("台北市內湖區內湖路一段 285 號", 25.0830, 121.5660),
    ("台北市內湖區洲子街 12 號", 25.0787, 121.5719),
    ("台北市南港區經貿二路 66 號", 25.0593, 121.6153),
    ("台北市南港區忠孝東路七段 359 號", 25.0520, 121.6066),
    ("台北市文山區新光路二段 30 號", 24.9983, 121.5810),
    ("台北市文山區木柵路三段 95 號", 24.9889, 121.5684),
    ("台北市文山區興隆路二段 220 號", 25.0000, 121.5436),
    ("台北市士林區至善路二段 221 號", 25.1024, 121.5485),
    ("台北市士林區基河路 101 號", 25.0880, 121.5245),
    ("台北市士林區中山北路五段 505 號", 25.0954, 121.5262),
    ("台北市士林區天母東路 8 號", 25.1170, 121.5320),
    ("台北市北投區光明路 256 號", 25.1370, 121.5070),
    ("台北市北投區中和街 60 號", 25.1290, 121.4960),
]
SURNAMES = "陳林黃張李王吳劉蔡楊許鄭謝郭洪曾"
GIVEN = ["淑芬", "家豪", "怡君", "志偉", "雅雯", "俊宏", "佩珊", "建志", "美惠", "宗翰", "欣怡", "冠廷"]
SHOPS = ["咖啡", "早餐店", "花店", "診所", "烘焙坊", "文具行", "工作室", "藥局"]
NOTES = ["", "", "", "", "請放管理室", "到了請先來電", "易碎品，請小心輕放", "下午才有人在", "公司行號，請走後門"]
# Windows in local hours. On past days a few orders took either the morning or the evening; today's
# have one window each, so today's 1 s solve goes to PyVRP (OR-Tools sets several windows up slowly).
WINDOWS = [[(9, 12)], [(13, 17)], [(9, 18)], [(10, 14)], [(14, 18)], [(9, 18)]]
TWO_WINDOWS = [(9, 11), (15, 18)]
REASONS = ["nobody_home"] * 5 + ["refused"] * 2 + ["address_wrong"] * 2 + ["closed"] * 2 + ["damaged"]
TODAY_ORDERS = 40
PAST_DAYS = 14
PAST_ORDERS = (16, 22)  # per day, inclusive


@dataclass(frozen=True)
class SeedResult:
    days: int  # days seeded now (0 when everything was already there)
    orders: int
    plans: int


# -- the driver's login ---------------------------------------------------------------------------


def ensure_driver_login(settings: PlatformSettings, tenant_id: str) -> str | None:
    """The demo driver's user in the console's identity database (as the owner's is); its subject.

    None when the email belongs to another tenant (nothing is linked then).
    """
    database = Database(service_database_url(settings, "identity"), schema=schema_name("identity"))
    try:
        with database.system_transaction() as session:
            user = session.scalar(select(UserAccount).where(UserAccount.email == DRIVER_EMAIL))
            if user is None:
                user = identity.add_user(
                    session,
                    tenant_id=tenant_id,
                    email=DRIVER_EMAIL,
                    name="陳志明 (demo driver)",
                    password=DRIVER_PASSWORD,
                    roles=["driver"],
                )
            return user.id if user.tenant_id == tenant_id else None
    finally:
        database.dispose()


def seed_demo(runtime: Any, tenant_id: str) -> None:
    """Once per day of a data folder: fleet, driver login, 14 past days and today's published plan."""
    subject = ensure_driver_login(runtime.settings, tenant_id)
    with runtime.database.tenant_transaction(tenant_id) as session:
        result = seed_dispatch_demo(session, tenant_id, driver_subject=subject)
    log.info(
        "dispatch_demo_seeded",
        tenant_id=tenant_id,
        days=result.days,
        orders=result.orders,
        plans=result.plans,
        driver_login=f"{DRIVER_EMAIL} / {DRIVER_PASSWORD}" if subject else None,
    )


# -- the seed -------------------------------------------------------------------------------------


def seed_dispatch_demo(
    session: ScopedSession,
    tenant_id: str,
    *,
    driver_subject: str | None = None,
    now: datetime | None = None,
    past_days: int = PAST_DAYS,
    today_orders: int = TODAY_ORDERS,
    time_limit_s: float = 1.0,
) -> SeedResult:
    now = now or utcnow()
    today = now.astimezone(LOCAL_ZONE).date()
    depot = _fleet(session, driver_subject)
    days = orders = plans = 0
    for back in range(past_days, 0, -1):
        day = today - timedelta(days=back)
        made = _seed_day(session, tenant_id, depot, day, now=now, past=True, time_limit_s=time_limit_s)
        if made:
            days, orders, plans = days + 1, orders + made, plans + 1
    made = _seed_day(
        session, tenant_id, depot, today, now=now, past=False, count=today_orders, time_limit_s=time_limit_s
    )
    if made:
        days, orders, plans = days + 1, orders + made, plans + 1
    return SeedResult(days, orders, plans)


def _fleet(session: ScopedSession, driver_subject: str | None) -> Depot:
    """The depot, vehicles and drivers, each created once (by code); the login linked to DR-01."""
    depot: Depot | None = session.scalars(select(Depot).where(Depot.code == DEPOT["code"])).first()
    if depot is None:
        depot = Depot(**DEPOT)
        session.add(depot)
        session.flush()
    vehicles = {v.code: v for v in session.scalars(select(Vehicle))}
    for spec in VEHICLES:
        if spec["code"] not in vehicles:
            vehicle = Vehicle(**spec, depot_id=depot.id)
            session.add(vehicle)
            vehicles[vehicle.code] = vehicle
    session.flush()
    drivers = {d.code: d for d in session.scalars(select(Driver))}
    for code, name, phone, vehicle_code in DRIVERS:
        if code not in drivers:
            drivers[code] = Driver(code=code, name=name, phone=phone, vehicle_id=vehicles[vehicle_code].id)
            session.add(drivers[code])
    first = drivers[DRIVERS[0][0]]
    if driver_subject is not None and first.user_subject is None:
        first.user_subject = driver_subject
    session.flush()
    return depot


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LOCAL_ZONE)


def _orders_of(day: date, count: int, rng: random.Random, *, two_windows: bool) -> list[OrderIn]:
    places = rng.sample(ADDRESSES, k=min(count, len(ADDRESSES)))
    places += [rng.choice(ADDRESSES) for _ in range(count - len(places))]
    bodies = []
    for n, (address, lat, lng) in enumerate(places, start=1):
        person = rng.choice(SURNAMES) + rng.choice(GIVEN)
        customer = person if rng.random() < 0.7 else f"{person[0]}記{rng.choice(SHOPS)}"
        windows = TWO_WINDOWS if two_windows and rng.random() < 0.08 else rng.choice(WINDOWS)
        boxes = rng.choice([1, 1, 1, 2, 2, 3, 4])
        bodies.append(
            OrderIn(
                order_no=f"DEMO-{day:%Y%m%d}-{n:03d}",
                customer_name=customer,
                phone=f"09{rng.randint(10, 89)}-{rng.randint(100, 999)}-{rng.randint(100, 999)}",
                address=address,
                # Different doors on the same street: a few metres apart, not one pin.
                lat=round(lat + rng.uniform(-0.0008, 0.0008), 6),
                lng=round(lng + rng.uniform(-0.0008, 0.0008), 6),
                time_windows=[(_local(day, a), _local(day, b)) for a, b in windows],
                service_s=rng.choice([180, 240, 300, 300, 420, 600]),
                weight_kg=round(boxes * rng.uniform(1.5, 6.0), 1),
                volume_l=round(boxes * rng.uniform(8, 30), 1),
                boxes=boxes,
                priority=50 if rng.random() < 0.1 else 0,
                cash_to_collect_twd=rng.choice([0, 0, 0, 0, 350, 680, 1200, 2400]),
                notes=rng.choice(NOTES),
            )
        )
    return bodies


def _seed_day(
    session: ScopedSession,
    tenant_id: str,
    depot: Depot,
    day: date,
    *,
    now: datetime,
    past: bool,
    time_limit_s: float,
    count: int | None = None,
) -> int:
    """One day's orders, plan, publishing and outcomes; 0 when the day is already there."""
    prefix = f"DEMO-{day:%Y%m%d}-"
    if session.scalar(select(func.count()).select_from(DeliveryOrder).where(DeliveryOrder.order_no.like(f"{prefix}%"))):
        return 0
    rng = random.Random(f"dispatch-demo-{day.isoformat()}")
    marker = session.scalar(select(func.max(KpiRecord.id))) or 0
    # The day's sheet is imported about 07:10 and the plan published some minutes later (KPI 1).
    ready = _local(day, 7, rng.randint(0, 20)).astimezone(UTC)
    if not past:
        ready = min(ready, now - timedelta(minutes=25))
    published = ready + timedelta(minutes=rng.randint(9, 22))
    bodies = _orders_of(day, count or rng.randint(*PAST_ORDERS), rng, two_windows=past)
    orders = create_orders(session, bodies, tenant_id=tenant_id)
    for order in orders:
        order.created_at = ready
    session.flush()
    source = planning_input(session, depot.id, day)
    mine = {o.order_no for o in orders}
    source.problem = dataclasses.replace(source.problem, stops=[s for s in source.problem.stops if s.id in mine])
    if past:
        plan = _past_plan(source.problem, {o.order_no: _bearing(depot, o) for o in orders})
    else:
        plan = plan_routes(source.problem, time_limit_s, engine="auto")
    row = store_plan(session, source, plan, day, tenant_id=tenant_id)
    row.created_at = published - timedelta(minutes=3)
    # An order no vehicle could take that day went with a courier: cancelled here, not left waiting.
    for order in orders:
        if order.status == "created":
            order.status = "cancelled"
            record(
                session,
                service=SERVICE,
                doc_type="delivery_order",
                doc_no=order.order_no,
                status="cancelled",
                sender=depot.code,
                receiver=order.customer_name,
                tenant_id=tenant_id,
                reason="no_vehicle",
            )
    publish_plan(session, row.id, tenant_id=tenant_id, now=published, assignments=_login_driver_drives(session, row.id))
    if past:
        _usual_plan_baseline(session, row.id)
    _drive(session, tenant_id, row.id, now=now, rng=rng, past=past)
    _stamp_records(session, marker, {o.order_no: ready for o in orders}, fallback=row.created_at)
    return len(orders)


def _login_driver_drives(session: ScopedSession, plan_id: int) -> list[tuple[int, int]]:
    """DR-01 (the demo's driver login) drives every day: when the planner left their usual van idle,
    they take the plan's first route (its usual driver then has the day off)."""
    driver = session.scalars(select(Driver).where(Driver.code == DRIVERS[0][0])).first()
    routes = list(session.scalars(select(Route).where(Route.plan_id == plan_id).order_by(Route.seq)))
    if driver is None or not routes or any(r.vehicle_id == driver.vehicle_id for r in routes):
        return []
    return [(routes[0].id, driver.id)]


def _bearing(depot: Depot, order: DeliveryOrder) -> float:
    """Compass angle of the order seen from the depot (radians; east = 0)."""
    return math.atan2(order.lat - depot.lat, (order.lng - depot.lng) * math.cos(math.radians(depot.lat)))


def _past_plan(problem: RoutingProblem, bearings: dict[str, float]) -> Plan:
    """A past day's plan from the planner's cheapest feasible insertion: instant, every vehicle used.

    The day is cut into as many compass sectors as there are vehicles, as a dispatcher splits a
    map; each vehicle starts from the farthest stop of its sector it can carry, then every other
    stop goes (earliest window first) to the feasible position that adds the least distance, on
    any route.
    """
    stops = sorted(problem.stops, key=lambda s: (bearings[s.id], s.id))
    n, m = len(stops), len(problem.vehicles)
    seeds: list[LiveRoute] = []
    for k, vehicle in enumerate(problem.vehicles):
        sector = [
            s
            for s in stops[k * n // m : (k + 1) * n // m]
            if all(d <= c for d, c in zip(s.demand, vehicle.capacity, strict=True))
        ]
        if sector:
            far = max(sector, key=lambda s: float(problem.distance[0, s.location]))
            seeds.append(LiveRoute(vehicle.id, [far.id], 0, vehicle.shift.start))
    seeded = {r.sequence[0] for r in seeds}
    rest = sorted(
        (s for s in problem.stops if s.id not in seeded),
        key=lambda s: (min((w.start for w in s.time_windows), default=0.0), s.id),
    )
    result = insert_rush_stops(problem, seeds, [s.id for s in rest], now=0.0)
    vehicles = {v.id: v for v in problem.vehicles}
    routes = [
        evaluate_route(problem, vehicles[vid], sequence).as_planned_route()
        for vid, sequence in result.sequences.items()
        if sequence
    ]
    unassigned = [Unassigned(sid, reason) for sid, reason in result.rejected.items()]
    return Plan(routes, unassigned, "demo-insertion", 0.0)


def _usual_plan_baseline(session: ScopedSession, plan_id: int) -> None:
    """The merchant's usual plan before go-live: the same vans, each doing its stops street by street
    (sorted by address, as a dispatcher sorts a printed list), not in the planner's order."""
    routes = session.execute(
        select(Route.vehicle_id, DeliveryOrder.order_no)
        .join(RouteStop, RouteStop.route_id == Route.id)
        .join(DeliveryOrder, DeliveryOrder.id == RouteStop.order_id)
        .where(Route.plan_id == plan_id)
        .order_by(Route.seq, DeliveryOrder.address, DeliveryOrder.order_no)
    )
    usual: dict[int, list[str]] = {}
    for vehicle_id, order_no in routes:
        usual.setdefault(vehicle_id, []).append(order_no)
    set_baseline(session, plan_id, list(usual.items()))


def _drive(
    session: ScopedSession, tenant_id: str, plan_id: int, *, now: datetime, rng: random.Random, past: bool
) -> None:
    """The drivers' day through the driver app's own actions: arrive, then deliver or fail.

    Past days are driven to the end. Today only what has happened by now, and every route keeps
    its last stops ahead (and the drivers' phones have sent positions), so the map and the
    driver's app have a day in progress to show.
    """
    limit = now - timedelta(minutes=1)
    routes = list(session.scalars(select(Route).where(Route.plan_id == plan_id).order_by(Route.seq)))
    for route in routes:
        rows = list(
            session.execute(
                select(RouteStop, DeliveryOrder)
                .join(DeliveryOrder, DeliveryOrder.id == RouteStop.order_id)
                .where(RouteStop.route_id == route.id)
                .order_by(RouteStop.seq)
            )
        )
        keep_open = 0 if past else min(3, len(rows))
        drift = timedelta(minutes=rng.uniform(-4, 8))
        ready = rows[0][0].eta.astimezone(UTC) - timedelta(minutes=20) if rows else limit
        track: list[tuple[float, float, datetime]] = [(0.0, 0.0, ready)]  # filled with the depot below
        for k, (stop, order) in enumerate(rows):
            if k >= len(rows) - keep_open:
                break
            drift += timedelta(minutes=rng.gauss(0.8, 3.0))
            if rng.random() < 0.05:
                drift += timedelta(minutes=rng.uniform(15, 40))  # stuck in traffic on 市民大道
            arrived = max(stop.eta.astimezone(UTC) + drift, track[-1][2] + timedelta(minutes=2))
            done = arrived + timedelta(seconds=order.service_s * rng.uniform(0.6, 1.3))
            if done > limit:
                break
            if not past:  # past days go straight to the outcome: half the writes, the same figures
                arrive = ArriveIn(occurred_at=arrived)
                act_on_stop(session, stop.id, Action.ARRIVE, arrive, None, tenant_id=tenant_id, now=now)
            if rng.random() < 0.07:
                reason = rng.choice(REASONS)
                body: DeliverIn | FailIn = FailIn(occurred_at=done, reason_code=reason)
                action = Action.FAIL
            else:
                cash = order.cash_to_collect_twd or None
                if cash and rng.random() < 0.04:
                    cash -= 100  # the customer was short of change: a cash exception for the dispatcher
                recipient = order.customer_name if rng.random() < 0.8 else "管理員"
                body, action = (
                    DeliverIn(occurred_at=done, recipient_name=recipient, cash_collected_twd=cash),
                    Action.DELIVER,
                )
            act_on_stop(session, stop.id, action, body, None, tenant_id=tenant_id, now=now)
            track.append((order.lat, order.lng, done))
        if not past:
            _breadcrumbs(session, route, rows, track, now=limit, rng=rng)


def _breadcrumbs(
    session: ScopedSession,
    route: Route,
    rows: list[Any],
    track: list[tuple[float, float, datetime]],
    *,
    now: datetime,
    rng: random.Random,
) -> None:
    """Positions every 3 minutes along the way driven so far, ending on the way to the next stop."""
    plan = session.get(RoutePlan, route.plan_id)
    depot = session.get(Depot, plan.depot_id) if plan else None
    if depot is None:
        return
    track[0] = (depot.lat, depot.lng, min(track[0][2], now))
    done = len(track) - 1
    if done < len(rows):  # heading for the next stop: part of the way, by the clock
        stop, order = rows[done]
        last = track[-1]
        eta = max(stop.eta.astimezone(UTC), last[2] + timedelta(minutes=5))
        share = min(max((now - last[2]) / (eta - last[2]), 0.0), 0.9)
        track.append((last[0] + (order.lat - last[0]) * share, last[1] + (order.lng - last[1]) * share, now))
    points: list[BreadcrumbIn] = []
    step = timedelta(minutes=3)
    for (lat_a, lng_a, at_a), (lat_b, lng_b, at_b) in zip(track, track[1:], strict=False):
        moment = at_a
        while moment < at_b:
            f = (moment - at_a) / (at_b - at_a)
            points.append(_crumb(lat_a + (lat_b - lat_a) * f, lng_a + (lng_b - lng_a) * f, moment, rng))
            moment += step
    lat, lng, at = track[-1]
    points.append(_crumb(lat, lng, min(at, now), rng))
    unique = {p.recorded_at: p for p in points if p.recorded_at <= now}
    add_breadcrumbs(session, route.id, None, list(unique.values())[-1000:])


def _crumb(lat: float, lng: float, at: datetime, rng: random.Random) -> BreadcrumbIn:
    return BreadcrumbIn(
        lat=round(lat + rng.uniform(-0.0002, 0.0002), 6),
        lng=round(lng + rng.uniform(-0.0002, 0.0002), 6),
        accuracy_m=round(rng.uniform(4, 18), 1),
        recorded_at=at.replace(microsecond=0),
    )


def _stamp_records(session: ScopedSession, marker: int, created: dict[str, datetime], *, fallback: datetime) -> None:
    """The day's KPI records at the time each step happened (the functions stamp the clock), marked demo."""
    for r in session.scalars(select(KpiRecord).where(KpiRecord.id > marker)):
        if r.doc_type == "delivery_order" and r.status == "created" and r.doc_no in created:
            r.sent_at = created[r.doc_no]
        r.at = r.received_at or r.sent_at or fallback
        r.extra = {**(r.extra or {}), "demo": True}
    session.flush()
