"""The sales noun over HTTP (SPEC §4.B).

POST /api/v1/sales/import (contract): a POS CSV in, the accepted and rejected rows out; small
files in the request, large ones by a ``forecast.import_sales`` job (202 {"job_id"}) whose result
is the same object. POST /api/v1/online-orders/import takes the online channels' CSV (store
delivery / pickup) with the same answer, error shape and all-or-nothing rule, in the request.

GET /api/v1/series (one row per imported store × SKU) and GET /api/v1/sales (one series' daily
actuals per channel, json or csv) show what was imported.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, UploadFile, status
from fastapi.responses import Response

from smartdist.auth import Principal, require_roles
from smartdist.exports import attachment
from smartdist.pagination import Cursor, Limit
from smartdist.problems import render_error
from smartdist.web.deps import DbSession, IdempotencyDep
from smartdist.web.i18n import translator_for
from smartdist_forecast.sales import service
from smartdist_forecast.sales.schemas import ImportResult, JobAccepted, SalesPage, SeriesPage

Importer = Annotated[Principal, require_roles("clerk", "integrator")]
Reader = Annotated[Principal, require_roles("clerk", "warehouse", "integrator")]
Partial = Annotated[bool, Query(description="store the good rows of a file with bad ones")]
router = APIRouter(tags=["sales"])


def _answer(result: ImportResult, request: Request) -> dict[str, Any]:
    """The contract answer with each row error's ``message`` in the request's language (catalog
    ``error.<code>``; its ``code`` and ``params`` stay beside it). errors_truncated appears only
    when true: the contract answer is {rows_accepted, rows_rejected, errors}."""
    body = result.model_dump(mode="json", exclude_none=True)
    t = translator_for(request)
    body["errors"] = [render_error(item, t) for item in body.get("errors", [])]
    return body


@router.post(
    "/sales/import",
    response_model=ImportResult,
    response_model_exclude_none=True,
    responses={202: {"model": JobAccepted, "description": "a large file: the import job was started"}},
)
def import_sales(
    request: Request,
    file: UploadFile,
    session: DbSession,
    principal: Importer,
    idem: IdempotencyDep,
    partial: Partial = False,
) -> Any:
    """Import a POS export (CSV, UTF-8 with or without BOM, or Big5)."""
    if idem.replay is not None:
        return idem.replay
    outcome = service.import_pos(
        session,
        file.file.read(),
        partial=partial,
        tenant_id=str(principal.tenant_id),
        filename=file.filename or "",
        sender=principal.subject,
        data_dir=Path(request.app.state.runtime.settings.resolved_data_dir()),
    )
    if isinstance(outcome, JobAccepted):
        return idem.save(status.HTTP_202_ACCEPTED, outcome)
    return idem.save(200, _answer(outcome, request))


@router.post("/online-orders/import", response_model=ImportResult, response_model_exclude_none=True)
def import_online_orders(
    request: Request,
    file: UploadFile,
    session: DbSession,
    principal: Importer,
    idem: IdempotencyDep,
    partial: Partial = False,
) -> Any:
    """Import online channel orders (store delivery / pickup, with stock-out and return counts) as CSV."""
    if idem.replay is not None:
        return idem.replay
    result = service.import_online_orders(
        session,
        file.file.read(service.MAX_ONLINE_UPLOAD_BYTES + 1),
        partial=partial,
        tenant_id=str(principal.tenant_id),
        filename=file.filename or "",
        sender=principal.subject,
    )
    return idem.save(200, _answer(result, request))


@router.get("/series", response_model=SeriesPage)
def list_series(
    session: DbSession,
    principal: Reader,
    store: Annotated[str | None, Query(max_length=40)] = None,
    sku: Annotated[str | None, Query(max_length=60)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> SeriesPage:
    """One row per imported store × SKU (POS or online): names, first and last day, days with sales, units."""
    return service.list_series(session, str(principal.tenant_id), store, sku, limit, cursor)


@router.get(
    "/sales",
    response_model=SalesPage,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "json, or csv"}},
)
def list_sales(
    session: DbSession,
    principal: Reader,
    store: Annotated[str, Query(min_length=1, max_length=40)],
    sku: Annotated[str, Query(min_length=1, max_length=60)],
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
    channel: Literal["pos", "delivery", "pickup"] | None = None,
    format: Literal["json", "csv"] = "json",  # noqa: A002 - the API's parameter name, like /forecasts
    limit: Limit = 500,
    cursor: Cursor = None,
) -> Any:
    """Daily actuals of one store × SKU, oldest first: one row per day and channel (pos, delivery, pickup)."""
    tenant = str(principal.tenant_id)
    if format == "csv":
        return Response(
            service.sales_csv(session, tenant, store, sku, start, end, channel).encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            headers=attachment(f"sales-{store}-{sku}.csv"),
        )
    return service.sales_page(session, tenant, store, sku, start, end, channel, limit, cursor)
