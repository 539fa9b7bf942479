"""Forecast's acceptance KPIs: store inventory cut at no worse fill rate; store × product series forecast."""

from __future__ import annotations

from smartdist.kpi import BaselineSpec, KpiSpec, KpiSummary, KpiValue, StatusCode, SummaryContext, volume_kpi
from smartdist.web.i18n import keyed_message
from smartdist_forecast.replenishment.domain import fill_rate_not_worse, fill_rate_percent, inventory_cut

FORECAST, SIMULATION, REPLENISHMENT = "forecast", "inventory_simulation", "replenishment"
SALES_IMPORT, ONLINE_IMPORT = "sales_import", "online_orders_import"

STATUS_CODES = [
    StatusCode("imported", "銷售資料已匯入", "sales imported"),
    StatusCode("trained", "模型已訓練", "model trained"),
    StatusCode("published", "預測已發布", "forecast published"),
    StatusCode("suggested", "補貨建議已產生", "replenishment suggested"),
    StatusCode("simulated", "庫存模擬完成", "inventory simulation done"),
]

BASELINES = [
    BaselineSpec(
        "avg_store_inventory_units",
        "導入前門市平均庫存",
        "units",
        "kpi.baseline.avg_store_inventory_units.description",
    ),
]


def summarize(ctx: SummaryContext) -> KpiSummary:
    latest = None
    for r in ctx.records([SIMULATION], ["simulated"]):
        latest = r
    if latest is None:
        kpi1 = KpiValue(
            code="inventory_cut",
            name="門市庫存降低",
            value=None,
            unit="%",
            target=5.0,
            met=False,
            detail="kpi.detail.forecast.no_simulation",
        )
        waste_kg_avoided = 0.0
    else:
        x = latest.extra or {}
        rule, policy = float(x.get("avg_on_hand_rule", 0)), float(x.get("avg_on_hand_policy", 0))
        # The same derivation as the record and the page: the cut from the stored averages, the
        # fill rates compared at the precision shown (0.1 percentage point).
        cut = round(inventory_cut(rule, policy) * 100, 2) if rule > 0 else None
        fill_ok = fill_rate_not_worse(float(x.get("fill_rate_policy", 0)), float(x.get("fill_rate_rule", 1)))
        kpi1 = KpiValue(
            code="inventory_cut",
            name="門市庫存降低",
            value=cut,
            unit="%",
            target=5.0,
            met=bool(cut is not None and cut >= 5.0 and fill_ok),
            detail=keyed_message(
                "kpi.detail.forecast.not_worse" if fill_ok else "kpi.detail.forecast.worse",
                policy=f"{fill_rate_percent(float(x.get('fill_rate_policy', 0))):.1f}",
                rule=f"{fill_rate_percent(float(x.get('fill_rate_rule', 0))):.1f}",
                first=str(x.get("first_day", "?")),
                last=str(x.get("last_day", "?")),
            ),
        )
        waste_kg_avoided = max(0.0, float(x.get("waste_kg_rule", 0)) - float(x.get("waste_kg_policy", 0)))
    kpi2 = volume_kpi(
        ctx,
        code="series_forecast",
        name="預測門市 × 商品數",
        doc_types=[FORECAST],
        statuses=["published"],
        unit="series",
    )
    return KpiSummary(
        kpis=[kpi1, kpi2],
        co2e_kg=waste_kg_avoided * ctx.carbon.food_waste_kg_per_kg,
        notes=[keyed_message("kpi.note.forecast.co2e", factor=ctx.carbon.food_waste_kg_per_kg)],
    )


KPI = KpiSpec(
    service="forecast",
    doc_types=[SALES_IMPORT, ONLINE_IMPORT, FORECAST, REPLENISHMENT, SIMULATION],
    status_codes=STATUS_CODES,
    baselines=BASELINES,
    summarize=summarize,
)
