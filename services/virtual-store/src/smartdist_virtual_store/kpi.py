"""Virtual-store acceptance KPIs: revenue +5%; virtual-store views + coupon redemptions."""

from __future__ import annotations

from smartdist.kpi import BaselineSpec, KpiSpec, KpiSummary, KpiValue, StatusCode, SummaryContext, revenue_uplift_kpi
from smartdist.web.i18n import keyed_message

VISIT, COUPON = "store_visit", "coupon"

STATUS_CODES = [
    StatusCode("viewed", "已瀏覽", "virtual store viewed"),
    StatusCode("issued", "已發行", "coupon issued"),
    StatusCode("claimed", "已領取", "coupon claimed"),
    StatusCode("redeemed", "已核銷", "coupon redeemed"),
    StatusCode("reversed", "已撤銷核銷", "redemption reversed"),
    StatusCode("expired", "已過期", "coupon expired"),
]

BASELINES = [
    BaselineSpec(
        "monthly_revenue_before_twd", "導入前月營收", "TWD", "Monthly store revenue before go-live.", demo_value=250000
    ),
]


def net_redemptions(ctx: SummaryContext) -> tuple[int, int]:
    """(coupons redeemed, their spend in TWD) by each coupon's last word: a coupon redeemed,
    reversed and redeemed again counts once, with its last spend; one reversed for good not at all."""
    last: dict[str, tuple[str, int]] = {}
    for r in ctx.records([COUPON], ["redeemed", "reversed"]):  # oldest first
        last[r.doc_no] = (r.status, int(r.amount_twd or 0))
    kept = [spend for status, spend in last.values() if status == "redeemed"]
    return len(kept), sum(kept)


def summarize(ctx: SummaryContext) -> KpiSummary:
    redeemed, spend = net_redemptions(ctx)
    kpi1 = revenue_uplift_kpi(
        ctx,
        code="revenue_uplift",
        name="營收成長 revenue vs before",
        baseline_code="monthly_revenue_before_twd",
        added_revenue_twd=spend,
    )
    views = ctx.count_documents([VISIT], ["viewed"])
    total = views + redeemed
    kpi2 = KpiValue(
        code="views_and_redemptions",
        name="瀏覽數＋優惠券核銷數 views + coupon redemptions",
        value=total,
        unit="events",
        target=250,
        met=total >= 250,
    )
    return KpiSummary(
        kpis=[kpi1, kpi2],
        co2e_kg=redeemed * ctx.carbon.paper_kg_per_sheet,
        notes=[keyed_message("vs.kpi.note.co2e", factor=ctx.carbon.paper_kg_per_sheet)],
    )


KPI = KpiSpec(
    service="virtual-store",
    doc_types=[VISIT, COUPON],
    status_codes=STATUS_CODES,
    baselines=BASELINES,
    summarize=summarize,
)
