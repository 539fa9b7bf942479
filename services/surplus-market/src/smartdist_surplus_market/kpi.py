"""Surplus-market acceptance KPIs: revenue +5% (scrapped goods counted as 0 before); matched transactions."""

from __future__ import annotations

from smartdist.kpi import BaselineSpec, KpiSpec, KpiSummary, StatusCode, SummaryContext, revenue_uplift_kpi, volume_kpi
from smartdist.web.i18n import keyed_message

ORDER, LISTING = "marketplace_order", "listing"
MATCHED = ("picked_up", "delivered")

STATUS_CODES = [
    StatusCode("draft", "草稿", "draft listing"),
    StatusCode("published", "已上架", "listing published"),
    StatusCode("reserved", "已預訂", "reserved"),
    StatusCode("picked_up", "已取貨", "picked up"),
    StatusCode("delivered", "已送達", "delivered"),
    StatusCode("cancelled", "已取消", "cancelled"),
    StatusCode("no_show", "未取貨", "no-show"),
    StatusCode("withdrawn", "已下架", "listing withdrawn by the seller"),
]

BASELINES = [
    BaselineSpec(
        "monthly_revenue_before_twd", "導入前月營收", "TWD", "Monthly revenue before go-live.", demo_value=180000
    ),
]


def summarize(ctx: SummaryContext) -> KpiSummary:
    recovered = ctx.sum_field("amount_twd", [ORDER], MATCHED)
    kpi1 = revenue_uplift_kpi(
        ctx,
        code="revenue_uplift",
        name="營收成長 revenue vs before",
        baseline_code="monthly_revenue_before_twd",
        added_revenue_twd=recovered,
    )
    kpi2 = volume_kpi(
        ctx,
        code="transactions_matched",
        name="媒合成交筆數 matched transactions",
        doc_types=[ORDER],
        statuses=MATCHED,
        unit="transactions",
    )
    saved_kg = sum(float((r.extra or {}).get("weight_kg", 0)) for r in ctx.records([ORDER], MATCHED))
    return KpiSummary(
        kpis=[kpi1, kpi2],
        co2e_kg=saved_kg * ctx.carbon.food_waste_kg_per_kg,
        notes=[
            keyed_message("sm.kpi.note.revenue"),
            keyed_message("sm.kpi.note.co2e", kg=f"{saved_kg:.1f}", factor=ctx.carbon.food_waste_kg_per_kg),
        ],
    )


KPI = KpiSpec(
    service="surplus-market",
    doc_types=[ORDER, LISTING],
    status_codes=STATUS_CODES,
    baselines=BASELINES,
    summarize=summarize,
)
