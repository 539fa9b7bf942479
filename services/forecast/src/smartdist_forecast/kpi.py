"""Forecast's acceptance KPIs: store inventory cut at no worse fill rate; store × product series forecast."""

from __future__ import annotations

from smartdist.kpi import BaselineSpec, KpiSpec, KpiSummary, KpiValue, StatusCode, SummaryContext, volume_kpi
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
        "Average on-hand units per store and product before go-live (optional; the simulation "
        "compares with the merchant's rule on the same history).",
    ),
]


def summarize(ctx: SummaryContext) -> KpiSummary:
    latest = None
    for r in ctx.records([SIMULATION], ["simulated"]):
        latest = r
    if latest is None:
        kpi1 = KpiValue(
            code="inventory_cut",
            name="門市庫存降低 store inventory cut",
            value=None,
            unit="%",
            target=5.0,
            met=False,
            detail="no inventory simulation yet",
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
            name="門市庫存降低 store inventory cut",
            value=cut,
            unit="%",
            target=5.0,
            met=bool(cut is not None and cut >= 5.0 and fill_ok),
            detail=(
                f"fill rate {fill_rate_percent(float(x.get('fill_rate_policy', 0))):.1f}% vs rule "
                f"{fill_rate_percent(float(x.get('fill_rate_rule', 0))):.1f}%"
                f" ({'not worse' if fill_ok else 'worse'}), {x.get('first_day', '?')} – {x.get('last_day', '?')}"
            ),
        )
        waste_kg_avoided = max(0.0, float(x.get("waste_kg_rule", 0)) - float(x.get("waste_kg_policy", 0)))
    kpi2 = volume_kpi(
        ctx,
        code="series_forecast",
        name="預測門市×品項數 stores × products forecast",
        doc_types=[FORECAST],
        statuses=["published"],
        unit="series",
    )
    return KpiSummary(
        kpis=[kpi1, kpi2],
        co2e_kg=waste_kg_avoided * ctx.carbon.food_waste_kg_per_kg,
        notes=[
            "CO2e: food waste avoided in the latest inventory simulation (waste_kg_rule − waste_kg_policy, "
            f"never below 0) × {ctx.carbon.food_waste_kg_per_kg} kg CO2e per kg."
        ],
    )


KPI = KpiSpec(
    service="forecast",
    doc_types=[SALES_IMPORT, ONLINE_IMPORT, FORECAST, REPLENISHMENT, SIMULATION],
    status_codes=STATUS_CODES,
    baselines=BASELINES,
    summarize=summarize,
)
