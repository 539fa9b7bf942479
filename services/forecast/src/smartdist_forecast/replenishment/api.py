"""POST /api/v1/replenishment/recommendations and POST /api/v1/inventory-simulations (SPEC §4.B).

Recommendations take the stock from the request; a row without ``on_hand``, or a request without
``stock`` at all, uses the latest count received from the WMS (``stock_level``). An Idempotency-Key
makes a retry replay the first answer (in the format asked now) without logging KPI records or
publishing the event again.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, status
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select

from smartdist.auth import Principal, require_roles
from smartdist.bus.outbox import publish
from smartdist.jobs import submit_job
from smartdist.kpi import record
from smartdist.problems import Unprocessable
from smartdist.web.deps import DbSession, IdempotencyDep
from smartdist_forecast.kpi import REPLENISHMENT
from smartdist_forecast.replenishment.policy import ReplenishmentParams
from smartdist_forecast.replenishment.recommendations import recommend_orders, table_xlsx
from smartdist_forecast.replenishment.simulation_job import SIMULATION_JOB
from smartdist_forecast.tables import ForecastPoint, ModelVersion, SalesDay, StockLevel

Planner = Annotated[Principal, require_roles("clerk", "warehouse", "integrator")]
router = APIRouter(tags=["replenishment"])
SUGGESTED_EVENT = "smartdist.forecast.replenishment.suggested"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class StockIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    store: str = Field(min_length=1, max_length=40)
    sku: str = Field(min_length=1, max_length=60)
    on_hand: float | None = Field(default=None, ge=0, description="units on hand; omitted: the WMS's latest count")
    on_order: float = Field(default=0, ge=0)


class PolicyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lead_time_days: int = Field(ge=0, le=60)
    review_days: int = Field(ge=1, le=60)
    service_level: float = Field(ge=0.5, le=0.999)


class RecommendationsIn(PolicyIn):
    pack_size: int = Field(default=1, ge=1, le=10_000)
    stock: list[StockIn] | None = Field(
        default=None,
        min_length=1,
        max_length=50_000,
        description="stock per store and SKU; omitted: every store count received from the WMS",
    )


class SimulationIn(PolicyIn):
    cover_days: float = Field(
        gt=0, le=90, description="the merchant's rule: order up to N days of the last 4 weeks' average demand"
    )


class RecommendationOut(BaseModel):
    store: str
    sku: str
    on_hand: float
    on_order: float
    expected_demand: float
    safety_stock: float
    order_up_to: float
    order_qty: int
    lead_time_days: int
    review_period_days: int
    pack_size: int
    service_level: float


class RecommendationsOut(BaseModel):
    model_version_id: str
    items: list[RecommendationOut]


def _stock_rows(session: Any, body: RecommendationsIn, forecast_series: Any) -> list[StockIn]:
    """The request's stock with gaps filled from the WMS counts (or all WMS counts if none was posted)."""
    counts = {
        (r.store, r.sku): r.on_hand
        for r in session.scalars(select(StockLevel).where(StockLevel.location_kind == "store"))
    }
    if body.stock is None:
        rows = [
            StockIn(store=store, sku=sku, on_hand=on_hand)
            for (store, sku), on_hand in sorted(counts.items())
            if (store, sku) in forecast_series
        ]
        if not rows:
            raise Unprocessable(
                "no stock posted and no store stock received from the WMS for a forecast series",
                errors=[
                    {
                        "loc": ["body", "stock"],
                        "message": "give the stock or let the WMS send smartdist.wms.stock.changed",
                    }
                ],
            )
        return rows
    errors = [
        {
            "loc": ["body", "stock", i, "on_hand"],
            "message": f"no on_hand given and none received from the WMS for store {r.store!r}, sku {r.sku!r}",
        }
        for i, r in enumerate(body.stock)
        if r.on_hand is None and (r.store, r.sku) not in counts
    ]
    if errors:
        raise Unprocessable("stock rows without on_hand and no WMS count to use", errors=errors)
    return [
        r if r.on_hand is not None else r.model_copy(update={"on_hand": counts[(r.store, r.sku)]}) for r in body.stock
    ]


def _render(answer: RecommendationsOut, format: str) -> Any:  # noqa: A002 - the contract's parameter name
    table = pd.DataFrame([line.model_dump() for line in answer.items], columns=list(RecommendationOut.model_fields))
    if format == "csv":
        text: str = table.to_csv(index=False, lineterminator="\n")
        return Response(
            text.encode("utf-8-sig"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="replenishment.csv"'},
        )
    return Response(
        table_xlsx(table, "replenishment"),
        media_type=XLSX_TYPE,
        headers={"Content-Disposition": 'attachment; filename="replenishment.xlsx"'},
    )


def _unknown_series(stock: list[StockIn], known: set[tuple[str, str]]) -> list[dict[str, Any]]:
    errors: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for index, row in enumerate(stock):
        key = (row.store, row.sku)
        if key not in known:
            errors.append(
                {"loc": ["body", "stock", index], "message": f"no forecast for store {row.store!r}, sku {row.sku!r}"}
            )
        elif key in seen:
            errors.append(
                {"loc": ["body", "stock", index], "message": f"store {row.store!r}, sku {row.sku!r} appears twice"}
            )
        seen.add(key)
    return errors


@router.post(
    "/replenishment/recommendations",
    response_model=RecommendationsOut,
    responses={200: {"content": {"text/csv": {}, XLSX_TYPE: {}}}},
)
def recommend(
    body: RecommendationsIn,
    session: DbSession,
    principal: Planner,
    idem: IdempotencyDep,
    format: Literal["json", "csv", "xlsx"] = "json",  # noqa: A002 - the contract's parameter name
) -> Any:
    """Order quantities per store and SKU from the latest model version's forecast (order-up-to)."""
    if idem.replay is not None:
        first = RecommendationsOut.model_validate(json.loads(bytes(idem.replay.body)))
        if format == "json":
            return idem.replay
        return _render(first, format)
    latest = session.scalar(select(ModelVersion.id).order_by(ModelVersion.id.desc()).limit(1))
    if latest is None:
        raise Unprocessable(
            "no forecast yet: POST /api/v1/training-runs first",
            errors=[{"loc": ["body"], "message": "the tenant has no published forecast"}],
        )
    if body.stock is None:
        series = {
            (r[0], r[1])
            for r in session.execute(
                select(ForecastPoint.store, ForecastPoint.sku)
                .where(ForecastPoint.model_version_id == latest)
                .distinct()
            )
        }
    else:
        series = {(row.store, row.sku) for row in body.stock}
    stock = _stock_rows(session, body, series)
    wanted = {(row.store, row.sku) for row in stock}
    points = session.execute(
        select(
            ForecastPoint.store,
            ForecastPoint.sku,
            ForecastPoint.date,
            ForecastPoint.yhat,
            ForecastPoint.yhat_lo,
            ForecastPoint.yhat_hi,
        )
        .where(ForecastPoint.model_version_id == latest)
        .where(ForecastPoint.store.in_({s for s, _ in wanted}))
        .where(ForecastPoint.sku.in_({k for _, k in wanted}))
    ).all()
    forecasts = pd.DataFrame(points, columns=["store", "sku", "date", "yhat", "yhat_lo", "yhat_hi"])
    errors = _unknown_series(stock, set(zip(forecasts["store"], forecasts["sku"], strict=True)))
    if errors:
        raise Unprocessable("stock rows name series without a forecast", errors=errors)
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
            errors=[{"loc": ["body", "lead_time_days"], "message": str(exc)}],
        ) from exc
    lines = [RecommendationOut(**r) for r in table.to_dict(orient="records")]
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
        tenant_id=principal.tenant_id,
        data={
            "model_version_id": latest,
            "lines": [
                {"store": x.store, "sku": x.sku, "order_qty": x.order_qty, "order_up_to": x.order_up_to} for x in lines
            ],
        },
    )
    answer = RecommendationsOut(model_version_id=latest, items=lines)
    saved = idem.save(200, answer)
    return saved if format == "json" else _render(answer, format)


@router.post("/inventory-simulations", status_code=status.HTTP_202_ACCEPTED)
def start_inventory_simulation(body: SimulationIn, session: DbSession, principal: Planner, idem: IdempotencyDep) -> Any:
    """Replay the tenant's sales history under the merchant's rule and the forecast policy (a job)."""
    if idem.replay is not None:
        return idem.replay
    if session.scalar(select(func.count()).select_from(SalesDay)) == 0:
        raise Unprocessable(
            "no sales imported yet: POST /api/v1/sales/import first",
            errors=[{"loc": ["body"], "message": "the tenant has no sales to replay"}],
        )
    job_id = submit_job(session, SIMULATION_JOB, body.model_dump(), created_by=principal.subject)
    return idem.save(202, {"job_id": job_id})
