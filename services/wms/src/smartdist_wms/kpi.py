"""WMS acceptance KPIs: document processing time cut vs paper; completed inbound + outbound orders."""

from __future__ import annotations

from smartdist.kpi import BaselineSpec, KpiSpec, KpiSummary, StatusCode, SummaryContext, improvement_kpi, volume_kpi
from smartdist.web.i18n import keyed_message

INBOUND, OUTBOUND, RETURN = "inbound_order", "outbound_order", "return_order"
DONE = {INBOUND: "completed", OUTBOUND: "shipped", RETURN: "completed"}

STATUS_CODES = [
    StatusCode("draft", "草稿", "draft"),
    StatusCode("created", "已建立", "created"),
    StatusCode("confirmed", "已確認", "confirmed"),
    StatusCode("receiving", "收貨中", "receiving"),
    StatusCode("putaway", "上架中", "putaway"),
    StatusCode("allocated", "已配庫", "allocated"),
    StatusCode("picking", "揀貨中", "picking"),
    StatusCode("picked", "已揀貨", "picked"),
    StatusCode("inspected", "已檢驗", "inspected"),
    StatusCode("packed", "已包裝", "packed"),
    StatusCode("shipped", "已出貨", "shipped"),
    StatusCode("delivered", "已送達", "delivered"),
    StatusCode("completed", "已完成", "completed"),
    StatusCode("cancelled", "已取消", "cancelled"),
]

BASELINES = [
    BaselineSpec(
        "paper_minutes_per_document",
        "紙本單據處理時間 (每張)",
        "minutes",
        "Minutes from a document's arrival to its completion with paper and Excel.",
        demo_value=18,
    ),
    BaselineSpec(
        "paper_sheets_per_document", "每張單據用紙", "sheets", "A4 sheets printed per document before.", demo_value=3
    ),
]


def summarize(ctx: SummaryContext) -> KpiSummary:
    mean_s = ctx.mean_elapsed([INBOUND, OUTBOUND], ["completed", "shipped"])
    kpi1 = improvement_kpi(
        code="processing_time_cut",
        name="單據處理時間縮短 document processing time cut",
        baseline=ctx.baselines.get("paper_minutes_per_document"),
        measured=None if mean_s is None else mean_s / 60,
        target_pct=10.0,
        lower_is_better=True,
    )
    inbound = ctx.count_documents([INBOUND], ["completed"])
    outbound = ctx.count_documents([OUTBOUND], ["shipped"])
    kpi2 = volume_kpi(
        ctx,
        code="orders_completed",
        name="完成進出貨單 inbound + outbound orders completed",
        doc_types=[INBOUND, OUTBOUND],
        statuses=["completed", "shipped"],
        unit="orders",
    )
    sheets = ctx.baselines.get("paper_sheets_per_document", 0.0) * (inbound + outbound)
    return KpiSummary(
        kpis=[kpi1, kpi2],
        co2e_kg=sheets * ctx.carbon.paper_kg_per_sheet,
        notes=[keyed_message("kpi.note.wms.co2e", paper=ctx.carbon.paper_kg_per_sheet)],
    )


KPI = KpiSpec(
    service="wms",
    doc_types=[INBOUND, OUTBOUND, RETURN],
    status_codes=STATUS_CODES,
    baselines=BASELINES,
    summarize=summarize,
)
