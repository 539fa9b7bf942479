"""The ``forecast.import_sales`` job: a large POS upload parsed with progress, stored all or nothing.

Its progress follows the real stages, each a catalog key of the service's messages (i18n plan
§5) shown in the reader's language:

- ``forecast.progress.import.reading`` (0 → 60%): reading and checking the rows, by the share of
  the file's bytes done (20,000 rows at a time);
- ``forecast.progress.import.checking`` (62%): duplicates across the file, store or refuse;
- ``forecast.progress.import.storing`` (65 → 97%): writing the rows in one transaction, by rows
  written. On SQLite a progress write would wait for that transaction's own lock
  (docs/service-guide.md), so there ``forecast.progress.import.storing_all`` is reported once,
  with the row count, before it;
- ``forecast.progress.import.done`` (100%), or ``forecast.progress.import.refused`` when rows
  were rejected and nothing was stored.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from smartdist.jobs import JobContext, job_task
from smartdist_forecast.sales.domain import IMPORT_JOB
from smartdist_forecast.sales.importing import READ_SHARE, progress_of_bytes
from smartdist_forecast.sales.service import POS, import_outcome, parse_upload, store_import

CHECKING, STORE_FROM, STORE_TO = 0.62, 0.65, 0.97
# Rows per parsed chunk in the job: each chunk read and checked moves the bar.
JOB_CHUNK_ROWS = 20_000


@job_task(IMPORT_JOB)
def import_sales_job(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Parse the stored upload with progress, store it all-or-nothing, answer the contract object."""
    path = Path(params["path"])
    try:
        ctx.progress(0.0, "forecast.progress.import.reading", force=True, percent=0)

        def reading(fraction: float) -> None:
            ctx.progress(fraction, "forecast.progress.import.reading", percent=round(100 * fraction / READ_SHARE))

        with open(path, "rb") as handle:
            parsed = parse_upload(POS, handle, progress_of_bytes(path, reading), chunk_rows=JOB_CHUNK_ROWS)
        ctx.progress(CHECKING, "forecast.progress.import.checking", force=True, rows=parsed.rows_accepted)
        store, answer = import_outcome(parsed, bool(params.get("partial")))
        if store:
            total = parsed.rows_accepted
            with ctx.tenant_transaction() as session:
                writes_alongside = session.get_bind().dialect.name != "sqlite"
                if writes_alongside:
                    ctx.progress(STORE_FROM, "forecast.progress.import.storing", force=True, done=0, total=total)
                else:  # before the first write takes SQLite's lock; none can follow until the commit
                    ctx.progress(STORE_FROM, "forecast.progress.import.storing_all", force=True, total=total)

                def storing(fraction: float) -> None:
                    done = round(fraction * total)
                    ctx.progress(
                        STORE_FROM + (STORE_TO - STORE_FROM) * fraction,
                        "forecast.progress.import.storing",
                        done=done,
                        total=total,
                    )

                store_import(
                    session,
                    POS,
                    parsed,
                    answer,
                    tenant_id=ctx.tenant_id,
                    doc_no=params.get("filename") or ctx.job_id,
                    sender="job",
                    retrain_by="forecast.import_sales" if ctx.services.get("runtime") is not None else None,
                    progress=storing if writes_alongside else None,
                )
        if store:
            ctx.progress(1.0, "forecast.progress.import.done", force=True, rows=answer.rows_accepted)
        else:
            ctx.progress(1.0, "forecast.progress.import.refused", force=True, rows=answer.rows_rejected)
        return answer.model_dump(mode="json", exclude_none=True)
    finally:
        path.unlink(missing_ok=True)
