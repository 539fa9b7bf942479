"""POST /api/v1/replenishment/recommendations, POST /api/v1/inventory-simulations and the
product profiles of the waste count (SPEC §4.B).

An Idempotency-Key makes a retry of a recommendation replay the first answer (in the format asked
now) without logging KPI records or publishing the event again.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, status
from fastapi.responses import Response

from smartdist.auth import Principal, require_roles
from smartdist.exports import attachment
from smartdist.pagination import Cursor, Limit, Page
from smartdist.web.deps import DbSession, IdempotencyDep
from smartdist_forecast.replenishment import service
from smartdist_forecast.replenishment.schemas import (
    ProductProfileIn,
    ProductProfileOut,
    RecommendationsIn,
    RecommendationsOut,
    SimulationIn,
)
from smartdist_forecast.sales.schemas import JobAccepted

Planner = Annotated[Principal, require_roles("clerk", "warehouse", "integrator")]
router = APIRouter(tags=["replenishment"])
FILE_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "json, or the same lines as csv (UTF-8 BOM) or xlsx",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            service.XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


def _file(answer: RecommendationsOut, format: Literal["csv", "xlsx"]) -> Response:  # noqa: A002
    content, media_type, filename = service.recommendations_file(answer, format)
    return Response(content, media_type=media_type, headers=attachment(filename))


@router.post("/replenishment/recommendations", response_model=RecommendationsOut, responses=FILE_ANSWERS)
def recommend(
    body: RecommendationsIn,
    session: DbSession,
    principal: Planner,
    idem: IdempotencyDep,
    format: Literal["json", "csv", "xlsx"] = "json",  # noqa: A002 - the contract's parameter name
) -> Any:
    """Order quantities per store and SKU from the latest model version's forecast (order-up-to)."""
    if idem.replay is not None:
        if format == "json":
            return idem.replay
        return _file(RecommendationsOut.model_validate(json.loads(bytes(idem.replay.body))), format)
    answer = service.recommend(session, body, str(principal.tenant_id))
    saved = idem.save(200, answer)
    return saved if format == "json" else _file(answer, format)


@router.post("/inventory-simulations", status_code=status.HTTP_202_ACCEPTED, response_model=JobAccepted)
def start_inventory_simulation(body: SimulationIn, session: DbSession, principal: Planner, idem: IdempotencyDep) -> Any:
    """Replay the tenant's sales history under the merchant's rule and the forecast policy (a job)."""
    if idem.replay is not None:
        return idem.replay
    job_id = service.start_simulation(session, body, created_by=principal.subject)
    return idem.save(202, JobAccepted(job_id=job_id))


@router.put("/product-profiles/{sku}", response_model=ProductProfileOut)
def put_product_profile(
    body: ProductProfileIn,
    session: DbSession,
    principal: Planner,
    sku: Annotated[str, Path(min_length=1, max_length=60)],
) -> ProductProfileOut:
    """Set a SKU's shelf life and unit weight (replaces the previous values)."""
    return service.put_profile(session, sku, body)


@router.get("/product-profiles", response_model=Page[ProductProfileOut])
def list_product_profiles(
    session: DbSession, principal: Planner, limit: Limit = 50, cursor: Cursor = None
) -> Page[ProductProfileOut]:
    """The SKUs with their own shelf life and unit weight (others use the service defaults)."""
    return service.list_profiles(session, limit, cursor)
