"""POST /api/v1/sales/import (contract, SPEC §4.B): a POS CSV in, the accepted and rejected rows out.

POST /api/v1/online-orders/import takes the online channels' CSV (store delivery / pickup, see
``online_orders``) with the same answer, error shape and all-or-nothing rule, in the request.

Small files are parsed and stored in the request; large ones are written to the service's data
folder and imported by a ``forecast.import_sales`` job (202 {"job_id"}) whose result is the same
contract object. Either way a file with bad rows stores nothing unless ``?partial=true``.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, UploadFile, status

from smartdist.auth import Principal, require_roles
from smartdist.db import new_id
from smartdist.jobs import JobContext, job_task, submit_job
from smartdist.kpi import record
from smartdist.problems import Unprocessable
from smartdist.web.deps import DbSession, IdempotencyDep
from smartdist_forecast.kpi import ONLINE_IMPORT, SALES_IMPORT
from smartdist_forecast.publishing.schedule import retrain_if_due
from smartdist_forecast.sales.csv_source import CsvUnreadableError
from smartdist_forecast.sales.importing import PARSE_SHARE, import_pos_file, should_store
from smartdist_forecast.sales.online_orders import OnlineHeaderError, OnlineImport, parse_online_orders_csv
from smartdist_forecast.sales.pos_csv import PosHeaderError, PosImport, parse_pos_csv
from smartdist_forecast.sales.storage import upsert_online_orders, upsert_sales

# Above this many bytes the upload is imported in the background (a 5-year export of 60 series
# is ~12 MB and takes a few seconds to parse and store).
LARGE_UPLOAD_BYTES = 5 * 1024 * 1024
# Online orders are one row per day, store, SKU and channel: years of them fit well under this.
MAX_ONLINE_UPLOAD_BYTES = 50 * 1024 * 1024
IMPORT_JOB = "forecast.import_sales"

Importer = Annotated[Principal, require_roles("clerk", "integrator")]
router = APIRouter(tags=["sales"])


class BadRows(Unprocessable):
    title = "The file has rows that cannot be imported"


def whole_file_problem(exc: Exception) -> Unprocessable:
    """A bad header or unreadable bytes: 422 naming the file, nothing stored."""
    return Unprocessable(str(exc), errors=[{"loc": ["body", "file"], "row": None, "column": None, "message": str(exc)}])


def contract_errors(result: PosImport | OnlineImport) -> list[dict[str, Any]]:
    """The contract's {row, column, message} with the platform's ``loc`` beside them."""
    return [{**e.as_dict(), "loc": ["body", "file", e.row, e.column]} for e in result.errors]


def import_outcome(result: PosImport | OnlineImport, partial: bool) -> tuple[bool, dict[str, Any]]:
    """(store the rows?, the contract answer) for a parsed file."""
    store = should_store(result, partial)
    body = {
        "rows_accepted": result.rows_accepted if store else 0,
        "rows_rejected": result.rows_rejected,
        "errors": contract_errors(result),
    }
    if getattr(result, "errors_truncated", False):
        body["errors_truncated"] = True
    return store, body


def record_import(session: Any, doc_no: str, sender: str, body: dict[str, Any], doc_type: str = SALES_IMPORT) -> None:
    record(
        session,
        service="forecast",
        doc_type=doc_type,
        doc_no=doc_no,
        status="imported",
        sender=sender,
        receiver="forecast",
        rows_accepted=body["rows_accepted"],
        rows_rejected=body["rows_rejected"],
    )


@router.post("/sales/import", responses={202: {"description": "large file: import job started"}})
def import_sales(
    request: Request,
    file: UploadFile,
    session: DbSession,
    principal: Importer,
    idem: IdempotencyDep,
    partial: Annotated[bool, Query(description="store the good rows of a file with bad ones")] = False,
) -> Any:
    """Import a POS export (CSV, UTF-8 with or without BOM, or Big5)."""
    if idem.replay is not None:
        return idem.replay
    data = file.file.read()
    runtime = request.app.state.runtime
    tenant_id = str(principal.tenant_id)
    if len(data) > LARGE_UPLOAD_BYTES:
        folder = Path(runtime.settings.resolved_data_dir()) / "forecast" / "uploads"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{new_id()}.csv"
        path.write_bytes(data)
        job_id = submit_job(
            session,
            IMPORT_JOB,
            {"path": str(path), "partial": partial, "filename": file.filename or ""},
            created_by=principal.subject,
        )
        return idem.save(status.HTTP_202_ACCEPTED, {"job_id": job_id})
    try:
        result = parse_pos_csv(io.BytesIO(data))
    except (PosHeaderError, CsvUnreadableError) as exc:
        raise whole_file_problem(exc) from exc
    store, body = import_outcome(result, partial)
    if not store:
        raise BadRows(
            f"{result.rows_rejected} row(s) rejected, nothing stored; fix them or resend with ?partial=true "
            f"to store the {result.rows_accepted} good row(s)",
            errors=body["errors"],
            rows_accepted=0,
            rows_rejected=result.rows_rejected,
            rows_valid=result.rows_accepted,
        )
    upsert_sales(session, result.sales, tenant_id)
    record_import(session, file.filename or new_id(), principal.subject, body)
    retrain_if_due(session, runtime, created_by=principal.subject)
    return idem.save(200, body)


@job_task(IMPORT_JOB)
def import_sales_job(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Parse the stored upload with progress, store it all-or-nothing, answer the contract object."""
    path = Path(params["path"])
    try:
        try:
            result = import_pos_file(path, progress=lambda fraction: ctx.progress(fraction, "parsing"))
        except (PosHeaderError, CsvUnreadableError) as exc:
            raise whole_file_problem(exc) from exc
        store, body = import_outcome(result, bool(params.get("partial")))
        if store:
            ctx.progress(PARSE_SHARE, "storing", force=True)
            # No progress writes while the rows are stored: on SQLite that second writer would wait
            # for this transaction's lock until it times out (docs/service-guide.md).
            with ctx.tenant_transaction() as session:
                upsert_sales(session, result.sales, ctx.tenant_id)
                record_import(session, params.get("filename") or ctx.job_id, "job", body)
                runtime = ctx.services.get("runtime")
                if runtime is not None:
                    retrain_if_due(session, runtime, created_by="forecast.import_sales")
        return body
    finally:
        path.unlink(missing_ok=True)


@router.post("/online-orders/import")
def import_online_orders(
    request: Request,
    file: UploadFile,
    session: DbSession,
    principal: Importer,
    idem: IdempotencyDep,
    partial: Annotated[bool, Query(description="store the good rows of a file with bad ones")] = False,
) -> Any:
    """Import online channel orders (store delivery / pickup, with stock-out and return counts) as CSV."""
    if idem.replay is not None:
        return idem.replay
    data = file.file.read()
    if len(data) > MAX_ONLINE_UPLOAD_BYTES:
        raise whole_file_problem(ValueError(f"file is {len(data)} bytes; split it below {MAX_ONLINE_UPLOAD_BYTES}"))
    try:
        result = parse_online_orders_csv(io.BytesIO(data))
    except (OnlineHeaderError, CsvUnreadableError) as exc:
        raise whole_file_problem(exc) from exc
    store, body = import_outcome(result, partial)
    if not store:
        raise BadRows(
            f"{result.rows_rejected} row(s) rejected, nothing stored; fix them or resend with ?partial=true "
            f"to store the {result.rows_accepted} good row(s)",
            errors=body["errors"],
            rows_accepted=0,
            rows_rejected=result.rows_rejected,
            rows_valid=result.rows_accepted,
        )
    upsert_online_orders(session, result.orders, str(principal.tenant_id))
    record_import(session, file.filename or new_id(), principal.subject, body, doc_type=ONLINE_IMPORT)
    retrain_if_due(session, request.app.state.runtime, created_by=principal.subject)
    return idem.save(200, body)
