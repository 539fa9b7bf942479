"""POST /api/v1/training-runs, GET /api/v1/model-versions and GET /api/v1/forecasts (SPEC §4.B)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Query, status
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Select, func, select

from smartdist.auth import Principal, require_roles
from smartdist.jobs import submit_job
from smartdist.pagination import Cursor, Limit, Page, paginate
from smartdist.problems import Unprocessable
from smartdist.web.deps import DbSession, IdempotencyDep
from smartdist_forecast.models.training import MAX_HORIZON_DAYS
from smartdist_forecast.publishing.training_job import TRAIN_JOB
from smartdist_forecast.replenishment.recommendations import forecast_csv, table_xlsx
from smartdist_forecast.tables import ForecastPoint, ModelVersion, SalesDay

Planner = Annotated[Principal, require_roles("clerk", "warehouse", "integrator")]
router = APIRouter(tags=["forecasts"])
FORECAST_COLUMNS = ["store", "sku", "date", "yhat", "yhat_lo", "yhat_hi"]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class TrainingRunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    horizon_days: int = Field(ge=1, le=MAX_HORIZON_DAYS, description="days to forecast after each series' last sale")


class ModelVersionOut(BaseModel):
    id: str
    created_at: datetime
    horizon_days: int
    chosen_model: str
    n_series: int
    data_start: date
    data_end: date
    metrics: dict[str, Any]


class ForecastOut(BaseModel):
    store: str
    sku: str
    date: date
    yhat: float
    yhat_lo: float
    yhat_hi: float


@router.post("/training-runs", status_code=status.HTTP_202_ACCEPTED)
def start_training_run(body: TrainingRunIn, session: DbSession, principal: Planner, idem: IdempotencyDep) -> Any:
    """Train on all the tenant's imported sales, back-test, and forecast ``horizon_days`` (a job)."""
    if idem.replay is not None:
        return idem.replay
    if session.scalar(select(func.count()).select_from(SalesDay)) == 0:
        raise Unprocessable(
            "no sales imported yet: POST /api/v1/sales/import first",
            errors=[{"loc": ["body"], "message": "the tenant has no sales to train on"}],
        )
    job_id = submit_job(session, TRAIN_JOB, {"horizon_days": body.horizon_days}, created_by=principal.subject)
    return idem.save(202, {"job_id": job_id})


def version_out(v: ModelVersion) -> ModelVersionOut:
    return ModelVersionOut(
        id=v.id,
        created_at=v.created_at,
        horizon_days=v.horizon_days,
        chosen_model=v.chosen_model,
        n_series=v.n_series,
        data_start=v.data_start,
        data_end=v.data_end,
        metrics=v.metrics,
    )


@router.get("/model-versions", response_model=Page[ModelVersionOut])
def list_model_versions(
    session: DbSession, principal: Planner, limit: Limit = 50, cursor: Cursor = None
) -> Page[ModelVersionOut]:
    """The model registry, newest first, with each version's back-test metrics."""
    return paginate(
        session,
        select(ModelVersion),
        ModelVersion.id,
        limit=limit,
        cursor=cursor,
        serialize=version_out,
        descending=True,
    )


def forecast_query(
    session: Any, store: str | None, sku: str | None, start: date | None, end: date | None
) -> Select[Any]:
    latest = session.scalar(select(ModelVersion.id).order_by(ModelVersion.id.desc()).limit(1))
    stmt = select(ForecastPoint).where(ForecastPoint.model_version_id == (latest or ""))
    if store is not None:
        stmt = stmt.where(ForecastPoint.store == store)
    if sku is not None:
        stmt = stmt.where(ForecastPoint.sku == sku)
    if start is not None:
        stmt = stmt.where(ForecastPoint.date >= start)
    if end is not None:
        stmt = stmt.where(ForecastPoint.date <= end)
    return stmt


def point_out(p: ForecastPoint) -> ForecastOut:
    return ForecastOut(
        store=p.store,
        sku=p.sku,
        date=p.date,
        yhat=round(p.yhat, 2),
        yhat_lo=round(p.yhat_lo, 2),
        yhat_hi=round(p.yhat_hi, 2),
    )


@router.get(
    "/forecasts", response_model=Page[ForecastOut], responses={200: {"content": {"text/csv": {}, XLSX_TYPE: {}}}}
)
def get_forecasts(
    session: DbSession,
    principal: Planner,
    store: Annotated[str | None, Query(max_length=40)] = None,
    sku: Annotated[str | None, Query(max_length=60)] = None,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
    format: Literal["json", "csv", "xlsx"] = "json",  # noqa: A002 - the contract's parameter name
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Any:
    """The latest model version's forecast per store, SKU and day with its 80% band.

    json is paginated (limit/cursor); csv and xlsx carry every matching row."""
    if start is not None and end is not None and start > end:
        raise Unprocessable(
            "'from' is after 'to'", errors=[{"loc": ["query", "from"], "message": "must not be after 'to'"}]
        )
    stmt = forecast_query(session, store, sku, start, end)
    if format == "json":
        return paginate(session, stmt, ForecastPoint.id, limit=limit, cursor=cursor, serialize=point_out)
    points = session.scalars(stmt.order_by(ForecastPoint.id)).all()
    table = pd.DataFrame([point_out(p).model_dump() for p in points], columns=FORECAST_COLUMNS)
    if format == "csv":
        return Response(
            forecast_csv(table),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="forecasts.csv"'},
        )
    table["date"] = table["date"].map(lambda d: d.isoformat())
    return Response(
        table_xlsx(table, "forecasts"),
        media_type=XLSX_TYPE,
        headers={"Content-Disposition": 'attachment; filename="forecasts.xlsx"'},
    )
