"""Use cases of the sales noun: importing POS and online-order files, and reading back what was
imported (per series, per day, as CSV) and its data-quality report.

Every import, of either format, in the request or in the background job, goes through the same
three steps: ``parse_upload`` (a whole-file problem is a 422 naming the file or the row),
``import_outcome`` (store or refuse, the contract answer) and ``store_import`` (upsert, one KPI
record, the retraining check), all in the caller's transaction.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

import pandas as pd
from sqlalchemy.orm import Session

from smartdist.db import new_id
from smartdist.exports import csv_text
from smartdist.jobs import submit_job
from smartdist.kpi import record
from smartdist.pagination import decode_cursor, encode_cursor
from smartdist.problems import Unprocessable
from smartdist_forecast.kpi import ONLINE_IMPORT, SALES_IMPORT
from smartdist_forecast.publishing import repository as publishing_repository
from smartdist_forecast.publishing.service import retrain_if_due
from smartdist_forecast.sales import repository
from smartdist_forecast.sales.csv_source import CsvUnreadableError, RowError
from smartdist_forecast.sales.demand import daily_demand
from smartdist_forecast.sales.domain import IMPORT_JOB, SALES_COLUMNS, BadFile, BadRows, check_period
from smartdist_forecast.sales.importing import should_store
from smartdist_forecast.sales.online_orders import OnlineHeaderError, OnlineImport, parse_online_orders_csv
from smartdist_forecast.sales.pos_csv import PosHeaderError, PosImport, parse_pos_csv
from smartdist_forecast.sales.quality import build_quality_report
from smartdist_forecast.sales.schemas import (
    ImportResult,
    JobAccepted,
    RowProblem,
    SalesDayOut,
    SalesPage,
    SeriesOut,
    SeriesPage,
)

# Above this many bytes a POS upload is imported in the background (a 5-year export of 60 series
# is ~12 MB and takes a few seconds to parse and store).
LARGE_UPLOAD_BYTES = 5 * 1024 * 1024
# Online orders are one row per day, store, SKU and channel: years of them fit well under this.
MAX_ONLINE_UPLOAD_BYTES = 50 * 1024 * 1024
# The quality report parses the whole file in the request; beyond this the import job is the way.
QUALITY_MAX_BYTES = 40 * 1024 * 1024

Parsed = PosImport | OnlineImport
Progress = Callable[[int], None]
StoreProgress = Callable[[float], None]  # the share of the rows written
# Rows parsed and checked at a time (the import job reads smaller chunks to move its bar).
CHUNK_ROWS = 100_000


@dataclass(frozen=True)
class ImportKind:
    """One file format: how to parse it, where its rows go, which KPI doc type logs it."""

    doc_type: str
    parse: Callable[[BinaryIO, Progress | None, int], Parsed]
    upsert: Callable[[Session, Parsed, str, StoreProgress | None], int]


def _upsert_pos(session: Session, parsed: Parsed, tenant_id: str, progress: StoreProgress | None) -> int:
    assert isinstance(parsed, PosImport)
    return repository.upsert_sales(session, parsed.sales, tenant_id, progress)


def _upsert_online(session: Session, parsed: Parsed, tenant_id: str, _progress: StoreProgress | None) -> int:
    assert isinstance(parsed, OnlineImport)
    return repository.upsert_online_orders(session, parsed.orders, tenant_id)


POS = ImportKind(
    SALES_IMPORT,
    lambda source, progress, chunk_rows: parse_pos_csv(source, chunk_rows=chunk_rows, progress=progress),
    _upsert_pos,
)
ONLINE = ImportKind(ONLINE_IMPORT, lambda source, _progress, _rows: parse_online_orders_csv(source), _upsert_online)


def parse_upload(
    kind: ImportKind, source: BinaryIO, progress: Progress | None = None, chunk_rows: int = CHUNK_ROWS
) -> Parsed:
    """The parsed file, or ``BadFile`` (422) for a bad header, unreadable bytes or a far too wide line.

    ``progress(bytes read)`` is called after each ``chunk_rows`` rows are read and checked."""
    try:
        return kind.parse(source, progress, chunk_rows)
    except (PosHeaderError, OnlineHeaderError, CsvUnreadableError) as exc:
        raise BadFile.of(exc) from exc


def row_problems(errors: list[RowError]) -> list[RowProblem]:
    """The contract's {row, column, message} with the platform's ``loc`` beside them."""
    return [
        RowProblem(
            row=e.row,
            column=e.column,
            message=e.message,
            loc=["body", "file", e.row, e.column],
            code=e.code,
            params={k: v if isinstance(v, int | float | str) or v is None else str(v) for k, v in e.params.items()},
        )
        for e in errors
    ]


def import_outcome(parsed: Parsed, partial: bool) -> tuple[bool, ImportResult]:
    """(store the rows?, the contract answer) for a parsed file."""
    store = should_store(parsed, partial)
    return store, ImportResult(
        rows_accepted=parsed.rows_accepted if store else 0,
        rows_rejected=parsed.rows_rejected,
        errors=row_problems(parsed.errors),
        errors_truncated=True if getattr(parsed, "errors_truncated", False) else None,
    )


def store_import(
    session: Session,
    kind: ImportKind,
    parsed: Parsed,
    answer: ImportResult,
    *,
    tenant_id: str,
    doc_no: str,
    sender: str,
    retrain_by: str | None,
    progress: StoreProgress | None = None,
) -> None:
    """Upsert the rows, log the import's KPI record and, unless ``retrain_by`` is None, queue a
    retraining when the tenant's model is now stale (in the same transaction). ``progress`` gets
    the share of the rows written after each batch."""
    kind.upsert(session, parsed, tenant_id, progress)
    record(
        session,
        service="forecast",
        doc_type=kind.doc_type,
        doc_no=doc_no,
        status="imported",
        sender=sender,
        receiver="forecast",
        rows_accepted=answer.rows_accepted,
        rows_rejected=answer.rows_rejected,
    )
    if retrain_by is not None:
        retrain_if_due(session, created_by=retrain_by)


def import_upload(
    session: Session, kind: ImportKind, data: bytes, *, partial: bool, tenant_id: str, filename: str, sender: str
) -> ImportResult:
    """Parse and store a file in the request: all or nothing (``BadRows``) unless ``partial``."""
    parsed = parse_upload(kind, io.BytesIO(data))
    store, answer = import_outcome(parsed, partial)
    if not store:
        raise BadRows(
            f"{parsed.rows_rejected} row(s) rejected, nothing stored; fix them or resend with ?partial=true "
            f"to store the {parsed.rows_accepted} good row(s)",
            code="forecast.import.rows_rejected",
            params={"rejected": parsed.rows_rejected, "valid": parsed.rows_accepted},
            errors=[e.model_dump() for e in answer.errors],
            rows_accepted=0,
            rows_rejected=parsed.rows_rejected,
            rows_valid=parsed.rows_accepted,
        )
    store_import(
        session,
        kind,
        parsed,
        answer,
        tenant_id=tenant_id,
        doc_no=filename or new_id(),
        sender=sender,
        retrain_by=sender,
    )
    return answer


def import_pos(
    session: Session, data: bytes, *, partial: bool, tenant_id: str, filename: str, sender: str, data_dir: Path
) -> ImportResult | JobAccepted:
    """A POS export: imported now (its answer), or, above ``LARGE_UPLOAD_BYTES``, saved to the data
    folder and left to a ``forecast.import_sales`` job (whose result is the same answer)."""
    if len(data) <= LARGE_UPLOAD_BYTES:
        return import_upload(session, POS, data, partial=partial, tenant_id=tenant_id, filename=filename, sender=sender)
    folder = data_dir / "forecast" / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{new_id()}.csv"
    path.write_bytes(data)
    job_id = submit_job(
        session, IMPORT_JOB, {"path": str(path), "partial": partial, "filename": filename}, created_by=sender
    )
    return JobAccepted(job_id=str(job_id))


def import_online_orders(
    session: Session, data: bytes, *, partial: bool, tenant_id: str, filename: str, sender: str
) -> ImportResult:
    """An online-orders file, always in the request (up to ``MAX_ONLINE_UPLOAD_BYTES``)."""
    if len(data) > MAX_ONLINE_UPLOAD_BYTES:
        too_big = ValueError(f"file is {len(data)} bytes; split it below {MAX_ONLINE_UPLOAD_BYTES}")
        too_big.code = "forecast.file.too_big"  # type: ignore[attr-defined]
        too_big.params = {"size": len(data), "limit": MAX_ONLINE_UPLOAD_BYTES}  # type: ignore[attr-defined]
        raise BadFile.of(too_big)
    return import_upload(session, ONLINE, data, partial=partial, tenant_id=tenant_id, filename=filename, sender=sender)


def store_pos_rows(session: Session, sales: pd.DataFrame, tenant_id: str) -> int:
    """Rows already in the parser's shape (the demo's invented history): upserted as an import would."""
    return repository.upsert_sales(session, sales, tenant_id)


# --- reading back ---------------------------------------------------------------------------


def _pair_cursor(cursor: str | None, name: str) -> tuple[str, str] | None:
    if not cursor:
        return None
    value = decode_cursor(cursor)
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)):
        raise Unprocessable(
            "cursor is not one this API gave out",
            code="forecast.cursor",
            errors=[{"loc": ["query", "cursor"], "message": f"invalid cursor for {name}", "code": "forecast.cursor"}],
        )
    return value[0], value[1]


def list_series(
    session: Session, tenant_id: str, store: str | None, sku: str | None, limit: int, cursor: str | None
) -> SeriesPage:
    rows = repository.series_summary(session, tenant_id, store, sku, _pair_cursor(cursor, "series"), limit + 1)
    items = [SeriesOut.model_validate(r) for r in rows[:limit]]
    more = len(rows) > limit
    return SeriesPage(items=items, next_cursor=encode_cursor([items[-1].store, items[-1].sku]) if more else None)


def sales_page(
    session: Session,
    tenant_id: str,
    store: str,
    sku: str,
    start: date | None,
    end: date | None,
    channel: str | None,
    limit: int,
    cursor: str | None,
) -> SalesPage:
    """One series' daily actuals per channel, oldest first, paged by (date, channel)."""
    check_period(start, end)
    stmt = repository.daily_sales(tenant_id, store, sku, start, end, channel)
    after = _pair_cursor(cursor, "sales")
    if after is not None:
        try:
            day = date.fromisoformat(after[0])
        except ValueError:
            raise Unprocessable(
                "cursor is not one this API gave out",
                code="forecast.cursor",
                errors=[{"loc": ["query", "cursor"], "message": "invalid cursor", "code": "forecast.cursor"}],
            ) from None
        stmt = repository.daily_sales_after(stmt, day, after[1])
    rows = session.execute(stmt.limit(limit + 1)).all()
    items = [SalesDayOut.model_validate(r) for r in rows[:limit]]
    more = len(rows) > limit
    next_cursor = encode_cursor([items[-1].date.isoformat(), items[-1].channel]) if more else None
    return SalesPage(items=items, next_cursor=next_cursor)


def sales_csv(
    session: Session, tenant_id: str, store: str, sku: str, start: date | None, end: date | None, channel: str | None
) -> str:
    """Every matching daily row as CSV (UTF-8 BOM, cells safe against formula injection)."""
    check_period(start, end)
    rows = session.execute(repository.daily_sales(tenant_id, store, sku, start, end, channel)).all()
    return csv_text(SALES_COLUMNS, ([r[0].isoformat(), *r[1:]] for r in rows))


# --- data quality ---------------------------------------------------------------------------


def _quality(session: Session, demand: pd.DataFrame, errors: list[RowError], scope: str) -> dict[str, Any]:
    """The quality report, naming the stores / products the tenant's current model does not forecast."""
    latest = publishing_repository.latest_version(session)
    known_stores: set[str] | None = None
    known_skus: set[str] | None = None
    if latest is not None:
        pairs = publishing_repository.forecast_series(session, latest.id)
        known_stores, known_skus = {p[0] for p in pairs}, {p[1] for p in pairs}
    report = build_quality_report(demand, known_stores=known_stores, known_skus=known_skus, import_errors=errors)
    return {**report.as_dict(), "compared_with_model": latest.id if latest is not None else None, "scope": scope}


def file_quality(session: Session, data: bytes) -> dict[str, Any]:
    """The quality report of an uploaded POS file; stores nothing."""
    if len(data) > QUALITY_MAX_BYTES:
        limit_mb = QUALITY_MAX_BYTES // (1024 * 1024)
        raise Unprocessable(
            f"the file is larger than {limit_mb} MB",
            code="forecast.quality.too_big",
            params={"limit_mb": limit_mb},
            errors=[
                {
                    "loc": ["body", "file"],
                    "message": "too large for a quality report",
                    "code": "forecast.quality.too_big",
                    "params": {"limit_mb": limit_mb},
                }
            ],
        )
    parsed = parse_upload(POS, io.BytesIO(data))
    assert isinstance(parsed, PosImport)
    return _quality(session, daily_demand(parsed.sales), parsed.errors, scope="file")


def stored_quality(session: Session) -> dict[str, Any]:
    """The same report over everything the tenant has stored (POS and online demand per day)."""
    pos, online = repository.tenant_demand_inputs(session)
    return _quality(session, daily_demand(pos, online), [], scope="stored")


def demand_inputs(session: Session) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(POS sales, online orders) of the session's tenant: what ``demand_panel`` combines."""
    return repository.tenant_demand_inputs(session)
