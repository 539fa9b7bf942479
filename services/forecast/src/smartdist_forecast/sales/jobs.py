"""The ``forecast.import_sales`` job: a large POS upload parsed with progress, stored all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from smartdist.jobs import JobContext, job_task
from smartdist_forecast.sales.domain import IMPORT_JOB
from smartdist_forecast.sales.importing import PARSE_SHARE, progress_of_bytes
from smartdist_forecast.sales.service import POS, import_outcome, parse_upload, store_import


@job_task(IMPORT_JOB)
def import_sales_job(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Parse the stored upload with progress, store it all-or-nothing, answer the contract object."""
    path = Path(params["path"])
    try:
        with open(path, "rb") as handle:
            report = progress_of_bytes(path, lambda fraction: ctx.progress(fraction, "parsing"))
            parsed = parse_upload(POS, handle, report)
        store, answer = import_outcome(parsed, bool(params.get("partial")))
        if store:
            ctx.progress(PARSE_SHARE, "storing", force=True)
            # No progress writes while the rows are stored: on SQLite that second writer would wait
            # for this transaction's lock until it times out (docs/service-guide.md).
            with ctx.tenant_transaction() as session:
                store_import(
                    session,
                    POS,
                    parsed,
                    answer,
                    tenant_id=ctx.tenant_id,
                    doc_no=params.get("filename") or ctx.job_id,
                    sender="job",
                    retrain_by="forecast.import_sales" if ctx.services.get("runtime") is not None else None,
                )
        return answer.model_dump(mode="json", exclude_none=True)
    finally:
        path.unlink(missing_ok=True)
