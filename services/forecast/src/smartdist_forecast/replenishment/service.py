"""Use cases of replenishment: order recommendations from the latest forecast, the downloads,
product profiles for the waste count, and the inventory simulation behind KPI 1.

Recommendations take the stock from the request; a row without ``on_hand``, or a request without
``stock`` at all, uses the latest count received from the WMS. Each answer logs one
``replenishment`` / ``suggested`` KPI record per line and emits one ``replenishment.suggested``
event.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from smartdist.bus.outbox import publish
from smartdist.db import utcnow
from smartdist.jobs import submit_job
from smartdist.kpi import record
from smartdist.pagination import Page, paginate
from smartdist.problems import Unprocessable
from smartdist_forecast.config import get_settings
from smartdist_forecast.kpi import REPLENISHMENT, SIMULATION
from smartdist_forecast.modelling.panel import DemandPanel
from smartdist_forecast.modelling.training import demand_panel
from smartdist_forecast.publishing import repository as publishing_repository
from smartdist_forecast.replenishment import repository
from smartdist_forecast.replenishment.domain import SIMULATION_JOB, SUGGESTED_EVENT, NoForecast
from smartdist_forecast.replenishment.models import ProductProfile
from smartdist_forecast.replenishment.policy import ReplenishmentParams
from smartdist_forecast.replenishment.recommendations import recommend_orders, table_csv, table_xlsx
from smartdist_forecast.replenishment.replay import REPLAY_DAYS, NothingToReplay, replay_on_history
from smartdist_forecast.replenishment.schemas import (
    ProductProfileIn,
    ProductProfileOut,
    RecommendationOut,
    RecommendationsIn,
    RecommendationsOut,
    SimulationIn,
    StockIn,
)
from smartdist_forecast.replenishment.simulation import Perishability
from smartdist_forecast.sales import repository as sales_repository
from smartdist_forecast.stock.service import store_counts

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _stock_rows(session: Session, body: RecommendationsIn, forecast_series: set[tuple[str, str]]) -> list[StockIn]:
    """The request's stock with gaps filled from the WMS counts (or all WMS counts if none was posted)."""
    counts = store_counts(session)
    if body.stock is None:
        rows = [
            StockIn(store=store, sku=sku, on_hand=on_hand)
            for (store, sku), on_hand in sorted(counts.items())
            if (store, sku) in forecast_series
        ]
        if not rows:
            raise Unprocessable(
                "no stock posted and no store stock received from the WMS for a forecast series",
                code="forecast.replenishment.no_stock",
                errors=[
                    {
                        "loc": ["body", "stock"],
                        "code": "forecast.replenishment.no_stock",
                        "message": "give the stock or let the WMS send smartdist.wms.stock.changed",
                    }
                ],
            )
        return rows
    errors = [
        {
            "loc": ["body", "stock", i, "on_hand"],
            "message": f"no on_hand given and none received from the WMS for store {r.store!r}, sku {r.sku!r}",
            "code": "forecast.replenishment.no_count",
            "params": {"store": r.store, "sku": r.sku},
        }
        for i, r in enumerate(body.stock)
        if r.on_hand is None and (r.store, r.sku) not in counts
    ]
    if errors:
        raise Unprocessable(
            "stock rows without on_hand and no WMS count to use",
            code="forecast.replenishment.no_counts",
            params={"rows": len(errors)},
            errors=errors,
        )
    return [
        r if r.on_hand is not None else r.model_copy(update={"on_hand": counts[(r.store, r.sku)]}) for r in body.stock
    ]


def _unknown_series(stock: list[StockIn], known: set[tuple[str, str]]) -> list[dict[str, Any]]:
    errors: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for index, row in enumerate(stock):
        key = (row.store, row.sku)
        if key not in known:
            errors.append(
                {
                    "loc": ["body", "stock", index],
                    "message": f"no forecast for store {row.store!r}, sku {row.sku!r}",
                    "code": "forecast.replenishment.unknown_series",
                    "params": {"store": row.store, "sku": row.sku},
                }
            )
        elif key in seen:
            errors.append(
                {
                    "loc": ["body", "stock", index],
                    "message": f"store {row.store!r}, sku {row.sku!r} appears twice",
                    "code": "forecast.replenishment.repeated_series",
                    "params": {"store": row.store, "sku": row.sku},
                }
            )
        seen.add(key)
    return errors


def params_days(body: RecommendationsIn) -> int:
    """Days the forecast must cover: lead time + review period."""
    return body.lead_time_days + body.review_days


def recommend(session: Session, body: RecommendationsIn, tenant_id: str) -> RecommendationsOut:
    """Order-up-to quantities per store × SKU from the latest model version's forecast; logs one
    KPI record per line and publishes one ``replenishment.suggested`` event."""
    latest = publishing_repository.latest_version_id(session)
    if latest is None:
        raise NoForecast()
    if body.stock is None:
        series = publishing_repository.forecast_series(session, latest)
    else:
        series = {(row.store, row.sku) for row in body.stock}
    stock = _stock_rows(session, body, series)
    forecasts = publishing_repository.forecast_frame(session, latest, {(row.store, row.sku) for row in stock})
    errors = _unknown_series(stock, set(zip(forecasts["store"], forecasts["sku"], strict=True)))
    if errors:
        raise Unprocessable(
            "stock rows name series without a forecast",
            code="forecast.replenishment.bad_stock_rows",
            params={"rows": len(errors)},
            errors=errors,
        )
    try:
        params = ReplenishmentParams(
            lead_time_days=body.lead_time_days,
            review_period_days=body.review_days,
            pack_size=body.pack_size,
            service_level=body.service_level,
        )
        table = recommend_orders(forecasts, pd.DataFrame([r.model_dump() for r in stock]), params)
    except ValueError as exc:
        # e.g. the published horizon is shorter than lead time + review period.
        raise Unprocessable(
            f"cannot recommend from the latest forecast: {exc}",
            code="forecast.replenishment.horizon_short",
            params={"days": params_days(body)},
            errors=[
                {
                    "loc": ["body", "lead_time_days"],
                    "message": str(exc),
                    "code": "forecast.replenishment.horizon_short",
                    "params": {"days": params_days(body)},
                }
            ],
        ) from exc
    names = {(x.store, x.sku): (x.store_name, x.product_name) for x in sales_repository.imported_series(session)}
    lines = [
        RecommendationOut.model_validate(r).model_copy(
            update=dict(
                zip(("store_name", "product_name"), names.get((str(r["store"]), str(r["sku"])), ("", "")), strict=True)
            )
        )
        for r in table.to_dict(orient="records")
    ]
    for line in lines:
        record(
            session,
            service="forecast",
            doc_type=REPLENISHMENT,
            doc_no=f"{line.store}:{line.sku}",
            status="suggested",
            sender="forecast",
            receiver=line.store,
            quantity=line.order_qty,
            model_version_id=latest,
        )
    publish(
        session,
        type=SUGGESTED_EVENT,
        subject=latest,
        tenant_id=tenant_id,
        data={
            "model_version_id": latest,
            "lines": [
                {"store": x.store, "sku": x.sku, "order_qty": x.order_qty, "order_up_to": x.order_up_to} for x in lines
            ],
        },
    )
    return RecommendationsOut(model_version_id=latest, items=lines)


def recommendations_file(
    answer: RecommendationsOut,
    format: Literal["csv", "xlsx"],  # noqa: A002 - the contract's parameter name
) -> tuple[bytes, str, str]:
    """(content, media type, file name) of the recommendations as CSV (UTF-8 BOM) or Excel."""
    table = pd.DataFrame([line.model_dump() for line in answer.items], columns=list(RecommendationOut.model_fields))
    if format == "csv":
        return table_csv(table), "text/csv; charset=utf-8", "replenishment.csv"
    return table_xlsx(table, "replenishment"), XLSX_TYPE, "replenishment.xlsx"


# --- product profiles -----------------------------------------------------------------------


def put_profile(session: Session, sku: str, body: ProductProfileIn) -> ProductProfileOut:
    """Set a SKU's shelf life and unit weight (replaces the previous values)."""
    row = repository.profile(session, sku)
    if row is None:
        row = ProductProfile(sku=sku, shelf_life_days=body.shelf_life_days, unit_kg=body.unit_kg)
        session.add(row)
    else:
        row.shelf_life_days, row.unit_kg = body.shelf_life_days, body.unit_kg
    row.updated_at = utcnow()
    session.flush()
    return ProductProfileOut.model_validate(row)


def list_profiles(session: Session, limit: int, cursor: str | None) -> Page[ProductProfileOut]:
    return paginate(
        session,
        repository.profiles_query(),
        ProductProfile.id,
        limit=limit,
        cursor=cursor,
        serialize=ProductProfileOut.model_validate,
    )


def perishability_for(session: Session, skus: np.ndarray) -> Perishability:
    """Shelf life and unit weight per series (by its SKU), the defaults where no profile is set."""
    settings = get_settings()
    profiles = repository.profiles(session)
    default = (settings.default_shelf_life_days, settings.default_unit_kg)
    chosen = [profiles.get(str(sku), default) for sku in skus]
    return Perishability(np.array([c[0] for c in chosen], dtype=np.int64), np.array([c[1] for c in chosen]))


# --- the inventory simulation ---------------------------------------------------------------


def start_simulation(session: Session, body: SimulationIn, created_by: str) -> str:
    if not sales_repository.has_sales(session):
        raise Unprocessable(
            "no sales imported yet: POST /api/v1/sales/import first",
            code="forecast.simulation.no_sales",
            errors=[
                {
                    "loc": ["body"],
                    "message": "the tenant has no sales to replay",
                    "code": "forecast.simulation.no_sales",
                }
            ],
        )
    return str(submit_job(session, SIMULATION_JOB, body.model_dump(), created_by=created_by))


def simulation_inputs(session: Session) -> tuple[DemandPanel, Perishability]:
    """The tenant's demand panel and each series' perishability (``Unprocessable`` with no sales)."""
    sales, online = sales_repository.tenant_demand_inputs(session)
    if sales.empty:
        raise Unprocessable(
            "no sales imported yet: POST /api/v1/sales/import first", code="forecast.simulation.no_sales"
        )
    panel = demand_panel(sales, online)
    return panel, perishability_for(session, panel.skus)


def simulate(
    panel: DemandPanel,
    perishability: Perishability,
    params: dict[str, Any],
    progress: Callable[..., None] | None = None,
) -> dict[str, Any]:
    """Replay the last weeks under the merchant's rule and the forecast policy: the KPI-1 figures
    (``kpi_extra``) with ``products`` (one row per replayed store × SKU) and ``left_out`` (the
    first series not replayed, ``series_left_out`` counts them all)."""
    policy = ReplenishmentParams(
        lead_time_days=int(params["lead_time_days"]),
        review_period_days=int(params["review_days"]),
        service_level=float(params["service_level"]),
    )
    # Long lead times and review periods need a longer replay: two protection periods
    # (the run-in and the forecasts' reach) and at least four measured weeks.
    replay_days = max(REPLAY_DAYS, 2 * policy.protection_days + 28)
    try:
        result = replay_on_history(
            panel, policy, float(params["cover_days"]), replay_days, perishability=perishability, progress=progress
        )
    except NothingToReplay as exc:
        raise Unprocessable(str(exc), code="forecast.simulation.nothing_to_replay") from exc
    except ValueError as exc:
        # Too little history before the replayed weeks: the merchant's data, not a crash.
        raise Unprocessable(
            f"cannot simulate on the imported sales: {exc}",
            code="forecast.simulation.too_little_history",
            params={"days": replay_days + 84},
        ) from exc
    figures: dict[str, Any] = result.kpi_extra()
    figures["products"] = result.products()
    figures["left_out"] = [{"store": store, "sku": sku} for store, sku in result.left_out]
    return figures


def record_simulation(session: Session, job_id: str, figures: dict[str, Any]) -> None:
    """The one KPI record KPI 1 reads (doc_no = the job id); the per-product table stays in the
    job's result."""
    summary = {k: v for k, v in figures.items() if k not in ("products", "left_out")}
    record(
        session,
        service="forecast",
        doc_type=SIMULATION,
        doc_no=job_id,
        status="simulated",
        sender="forecast.inventory_simulation",
        **summary,
    )
