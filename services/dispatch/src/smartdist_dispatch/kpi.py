"""Dispatch's acceptance KPIs (SPEC §3): planning time cut vs the manual baseline; orders handled."""

from __future__ import annotations

from collections import defaultdict

from smartdist.kpi import BaselineSpec, KpiSpec, KpiSummary, StatusCode, SummaryContext, improvement_kpi, volume_kpi

ORDER, ROUTE = "delivery_order", "route"
HANDLED = ("delivered", "failed")

STATUS_CODES = [
    StatusCode("created", "已建立", "created"),
    StatusCode("planned", "已排入路線", "planned into a route"),
    StatusCode("published", "已派發", "published to the driver"),
    StatusCode("arrived", "已抵達", "driver arrived"),
    StatusCode("delivered", "已送達", "delivered"),
    StatusCode("failed", "配送失敗", "delivery failed"),
    StatusCode("cancelled", "已取消", "cancelled"),
    StatusCode("completed", "路線完成", "route completed"),
]

BASELINES = [
    BaselineSpec(
        "manual_planning_minutes_per_day",
        "人工排線時間 (每日)",
        "minutes",
        "Minutes a dispatcher spent planning one day's routes by hand before go-live.",
        demo_value=90,
    ),
    BaselineSpec(
        "manual_distance_km_per_day",
        "人工路線里程 (每日)",
        "km",
        "Kilometres driven per day with the hand-made plans (used when plans carry no baseline).",
    ),
]


def summarize(ctx: SummaryContext) -> KpiSummary:
    # Planning time: seconds from "orders ready" to "routes published", summed per planning day.
    per_day: dict[str, float] = defaultdict(float)
    saved_km = 0.0
    for r in ctx.records([ROUTE], ["published"]):
        if r.elapsed_s is not None:
            per_day[r.at.date().isoformat()] += r.elapsed_s
        baseline_m = (r.extra or {}).get("baseline_distance_m")
        if baseline_m is not None and r.distance_m is not None:
            saved_km += max(float(baseline_m) - r.distance_m, 0) / 1000
    measured = (sum(per_day.values()) / len(per_day) / 60) if per_day else None
    kpi1 = improvement_kpi(
        code="planning_time_cut",
        name="排線時間縮短 planning time cut vs manual",
        baseline=ctx.baselines.get("manual_planning_minutes_per_day"),
        measured=measured,
        target_pct=10.0,
        lower_is_better=True,
    )
    kpi2 = volume_kpi(
        ctx,
        code="orders_handled",
        name="配送訂單處理量 delivery orders handled",
        doc_types=[ORDER],
        statuses=HANDLED,
        unit="orders",
    )
    return KpiSummary(
        kpis=[kpi1, kpi2],
        co2e_kg=saved_km * ctx.carbon.van_kg_per_km(),
        notes=["CO2e: distance saved against each published plan's baseline plan, van at 7 km/L petrol."],
    )


KPI = KpiSpec(
    service="dispatch", doc_types=[ORDER, ROUTE], status_codes=STATUS_CODES, baselines=BASELINES, summarize=summarize
)
