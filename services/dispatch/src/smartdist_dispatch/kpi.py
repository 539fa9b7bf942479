"""Dispatch's acceptance KPIs (SPEC §3): planning time cut vs the manual baseline; orders handled."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from sqlalchemy import select

from smartdist.kpi import BaselineSpec, KpiSpec, KpiSummary, StatusCode, SummaryContext, improvement_kpi, volume_kpi
from smartdist.web.i18n import keyed_message

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
    StatusCode("in_progress", "配送中", "route started (first stop reached)"),
    StatusCode("completed", "路線完成", "route completed"),
    StatusCode("out_for_delivery", "配送中", "out for delivery"),
    StatusCode("changed", "路線即時變更", "route changed live (rush order, re-plan)"),
]
PLAN_DOC_NO = re.compile(r"^P(\d+)$")

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


def saved_km(baseline_m: float | None, planned_m: float | None) -> float:
    """Kilometres the plan saves against its baseline; a plan longer than its baseline saves nothing."""
    if baseline_m is None or planned_m is None:
        return 0.0
    return max(float(baseline_m) - float(planned_m), 0.0) / 1000


def plan_baselines(ctx: SummaryContext, plan_ids: list[int]) -> dict[int, Any]:
    """Each plan's stored baseline distance (a hand plan, or the daily baseline set on the plan)."""
    from smartdist_dispatch.routes.models import RoutePlan  # the tables load after the KPI spec

    if not plan_ids:
        return {}
    rows = ctx.session.execute(select(RoutePlan.id, RoutePlan.baseline_distance_m).where(RoutePlan.id.in_(plan_ids)))
    return {pid: baseline for pid, baseline in rows}


def summarize(ctx: SummaryContext) -> KpiSummary:
    # Planning time: seconds from "orders ready" to "routes published", summed per planning day.
    per_day: dict[str, float] = defaultdict(float)
    published: list[tuple[int, float | None, float | None]] = []  # plan id, baseline in the record, planned m
    for r in ctx.records([ROUTE], ["published"]):
        if r.elapsed_s is not None:
            per_day[r.at.date().isoformat()] += r.elapsed_s
        match = PLAN_DOC_NO.match(r.doc_no)
        if match is None:  # a per-route record (P<plan>-R<seq>): the plan's record carries the figures
            continue
        baseline_m = (r.extra or {}).get("baseline_distance_m")
        published.append((int(match.group(1)), baseline_m, r.distance_m))
    # The plan's stored baseline is the latest word (it may be set or corrected after publishing),
    # then the figure the publish record carried, then the merchant's daily baseline.
    stored = plan_baselines(ctx, [pid for pid, _, _ in published])
    daily_km = ctx.baselines.get("manual_distance_km_per_day")
    total_saved_km = 0.0
    for pid, recorded_m, planned_m in published:
        baseline_m = stored.get(pid) if stored.get(pid) is not None else recorded_m
        if baseline_m is None and daily_km is not None:
            baseline_m = daily_km * 1000
        total_saved_km += saved_km(baseline_m, planned_m)
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
        co2e_kg=round(total_saved_km * ctx.carbon.van_kg_per_km(), 3),
        notes=[
            keyed_message("kpi.note.dispatch.co2e", petrol=ctx.carbon.petrol_kg_per_l, km_per_l=ctx.carbon.van_km_per_l)
        ],
    )


KPI = KpiSpec(
    service="dispatch", doc_types=[ORDER, ROUTE], status_codes=STATUS_CODES, baselines=BASELINES, summarize=summarize
)
