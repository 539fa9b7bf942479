"""Delivery-broker acceptance KPIs: revenue +5% vs before; completed delivery requests."""

from __future__ import annotations

from smartdist.kpi import BaselineSpec, KpiSpec, KpiSummary, StatusCode, SummaryContext, revenue_uplift_kpi, volume_kpi
from smartdist.web.i18n import keyed_message

REQUEST = "delivery_request"

STATUS_CODES = [
    StatusCode("pending", "待指派", "pending"),
    StatusCode("assigned", "已指派騎手", "courier assigned"),
    StatusCode("picked_up", "已取件", "picked up"),
    StatusCode("delivered", "已送達", "delivered"),
    StatusCode("cancelled", "已取消", "cancelled"),
    StatusCode("failed", "配送失敗", "failed"),
    StatusCode("returned", "已退回", "returned"),
]

BASELINES = [
    BaselineSpec(
        "monthly_revenue_before_twd", "導入前月營收", "TWD", "Monthly revenue from delivered orders before go-live."
    ),
]


def summarize(ctx: SummaryContext) -> KpiSummary:
    delivered_value = ctx.sum_field("amount_twd", [REQUEST], ["delivered"])
    months = ctx.months_in_window()
    baseline = ctx.baselines.get("monthly_revenue_before_twd")
    # Revenue after go-live is the delivered orders' value per month; the uplift compares with before.
    added = (delivered_value - (baseline or 0) * months) if baseline is not None else 0.0
    kpi1 = revenue_uplift_kpi(
        ctx,
        code="revenue_uplift",
        name="營收成長 revenue vs before",
        baseline_code="monthly_revenue_before_twd",
        added_revenue_twd=added,
    )
    kpi2 = volume_kpi(
        ctx,
        code="deliveries_completed",
        name="完成配送需求 completed delivery requests",
        doc_types=[REQUEST],
        statuses=["delivered"],
        unit="requests",
    )
    return KpiSummary(
        kpis=[kpi1, kpi2],
        co2e_kg=0.0,
        notes=[keyed_message("kpi.note.broker.co2e")],
    )


KPI = KpiSpec(
    service="delivery-broker", doc_types=[REQUEST], status_codes=STATUS_CODES, baselines=BASELINES, summarize=summarize
)
