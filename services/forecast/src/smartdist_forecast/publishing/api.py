"""POST /api/v1/training-runs, GET /api/v1/model-versions and GET /api/v1/forecasts (SPEC §4.B)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, status
from fastapi.responses import Response

from smartdist.auth import Principal, require_roles
from smartdist.exports import attachment
from smartdist.pagination import Cursor, Limit, Page
from smartdist.web.deps import DbSession, IdempotencyDep
from smartdist_forecast.publishing import service
from smartdist_forecast.publishing.schemas import ForecastOut, ModelVersionOut, TrainingRunIn
from smartdist_forecast.sales.schemas import JobAccepted

Planner = Annotated[Principal, require_roles("clerk", "warehouse", "integrator")]
router = APIRouter(tags=["forecasts"])
FILE_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "json (paginated), or every matching row as csv (UTF-8 BOM) or xlsx",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            service.XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


@router.post("/training-runs", status_code=status.HTTP_202_ACCEPTED, response_model=JobAccepted)
def start_training_run(body: TrainingRunIn, session: DbSession, principal: Planner, idem: IdempotencyDep) -> Any:
    """Train on all the tenant's imported sales, back-test, and forecast ``horizon_days`` (a job).

    With ``weather`` (a forecast for every store × day of the horizon) the global model also learns
    from the weather (modelling/weather.py)."""
    if idem.replay is not None:
        return idem.replay
    job_id = service.start_training_run(session, body, created_by=principal.subject)
    return idem.save(202, JobAccepted(job_id=job_id))


@router.get("/model-versions", response_model=Page[ModelVersionOut])
def list_model_versions(
    session: DbSession, principal: Planner, limit: Limit = 50, cursor: Cursor = None
) -> Page[ModelVersionOut]:
    """The model registry, newest first, with each version's back-test metrics."""
    return service.list_model_versions(session, limit, cursor)


@router.get("/forecasts", response_model=Page[ForecastOut], responses=FILE_ANSWERS)
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
    if format == "json":
        return service.forecast_page(session, store, sku, start, end, limit, cursor)
    content, media_type, filename = service.forecast_file(session, store, sku, start, end, format)
    return Response(content, media_type=media_type, headers=attachment(filename))
