"""POST /api/v1/training-runs, GET /api/v1/model-versions and GET /api/v1/forecasts (SPEC §4.B)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Query, status
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from sqlalchemy import Select, func, select

from smartdist.auth import Principal, require_roles
from smartdist.jobs import submit_job
from smartdist.pagination import Cursor, Limit, Page, paginate
from smartdist.problems import Unprocessable
from smartdist.web.deps import DbSession, IdempotencyDep
from smartdist_forecast.models.training import MAX_HORIZON_DAYS
from smartdist_forecast.publishing.training_job import TRAIN_JOB
from smartdist_forecast.replenishment.recommendations import forecast_csv, table_xlsx
from smartdist_forecast.tables import ForecastPoint, ModelVersion, OnlineOrderDay, SalesDay

Planner = Annotated[Principal, require_roles("clerk", "warehouse", "integrator")]
router = APIRouter(tags=["forecasts"])
FORECAST_COLUMNS = ["store", "sku", "date", "yhat", "yhat_lo", "yhat_hi"]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# Plausible air temperatures in °C (Taiwan's records lie well inside; a typo like 245 does not).
MIN_TEMP_C, MAX_TEMP_C = -30.0, 50.0
MAX_WEATHER_ROWS = 50_000


class WeatherDayIn(BaseModel):
    """The merchant's weather forecast for one store and day after its last sale."""

    model_config = ConfigDict(extra="forbid")
    store: str = Field(min_length=1, max_length=40, description="店號, as in the POS file")
    date: date
    temp_low: float = Field(ge=MIN_TEMP_C, le=MAX_TEMP_C, description="°C")
    temp_high: float = Field(ge=MIN_TEMP_C, le=MAX_TEMP_C, description="°C, not below temp_low")
    weather: str = Field(default="", max_length=60, description="天氣概況 like 晴 / 多雲 / 雨 (雨 = rain)")

    @field_validator("temp_high")
    @classmethod
    def _not_below_low(cls, high: float, info: ValidationInfo) -> float:
        low = info.data.get("temp_low")
        if low is not None and high < low:
            raise ValueError(f"temp_high ({high}) is below temp_low ({low})")
        return high


class TrainingRunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    horizon_days: int = Field(ge=1, le=MAX_HORIZON_DAYS, description="days to forecast after each series' last sale")
    weather: list[WeatherDayIn] | None = Field(
        default=None,
        max_length=MAX_WEATHER_ROWS,
        description="weather forecast per store and day of the horizon; the model uses weather only when "
        "it covers every store × day of the horizon and the sales history has weather",
    )


def check_weather_rows(session: Any, rows: list[WeatherDayIn], horizon_days: int) -> None:
    """422 naming the first bad row: unknown store, a day not after the store's last sale or past
    the horizon, or a store-day given twice."""
    last_sale = dict(session.execute(select(SalesDay.store, func.max(SalesDay.date)).group_by(SalesDay.store)).all())
    last_online = dict(
        session.execute(
            select(OnlineOrderDay.store, func.max(OnlineOrderDay.date)).group_by(OnlineOrderDay.store)
        ).all()
    )
    seen: dict[tuple[str, date], int] = {}
    for i, row in enumerate(rows):
        loc: list[str | int] = ["body", "weather", i]
        if row.store not in last_sale:
            raise Unprocessable(
                f"weather row {i}: store {row.store!r} has no sales",
                errors=[{"loc": [*loc, "store"], "message": f"unknown store {row.store!r}"}],
            )
        first_allowed = last_sale[row.store] + timedelta(days=1)
        last_allowed = max(last_sale[row.store], last_online.get(row.store, last_sale[row.store])) + timedelta(
            days=horizon_days
        )
        if not first_allowed <= row.date <= last_allowed:
            raise Unprocessable(
                f"weather row {i}: {row.date} is outside store {row.store}'s horizon",
                errors=[
                    {
                        "loc": [*loc, "date"],
                        "message": f"must be after the store's last sale and within the horizon: "
                        f"{first_allowed} … {last_allowed}",
                    }
                ],
            )
        key = (row.store, row.date)
        if key in seen:
            raise Unprocessable(
                f"weather row {i}: store {row.store} on {row.date} is already given in row {seen[key]}",
                errors=[{"loc": [*loc, "date"], "message": f"duplicate of row {seen[key]}"}],
            )
        seen[key] = i


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
    """Train on all the tenant's imported sales, back-test, and forecast ``horizon_days`` (a job).

    With ``weather`` (a forecast for every store × day of the horizon) the global model also learns
    from the weather (models/weather.py)."""
    if idem.replay is not None:
        return idem.replay
    if session.scalar(select(func.count()).select_from(SalesDay)) == 0:
        raise Unprocessable(
            "no sales imported yet: POST /api/v1/sales/import first",
            errors=[{"loc": ["body"], "message": "the tenant has no sales to train on"}],
        )
    params: dict[str, Any] = {"horizon_days": body.horizon_days}
    if body.weather:
        check_weather_rows(session, body.weather, body.horizon_days)
        params["weather"] = [row.model_dump(mode="json") for row in body.weather]
    job_id = submit_job(session, TRAIN_JOB, params, created_by=principal.subject)
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
