"""/api/v1/imports: master data, inbound notices and shipping orders from a CSV or Excel sheet."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Response, UploadFile, status

from smartdist.exports import attachment, csv_text, xlsx_bytes
from smartdist.problems import problem_responses
from smartdist.web.deps import DbSession, IdempotencyDep
from smartdist_wms.imports import service
from smartdist_wms.imports.schemas import ImportedOut, ImportKind
from smartdist_wms.imports.sheet import MAX_BYTES
from smartdist_wms.staff.roles import Reader, Writer

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SheetFile = Annotated[UploadFile, File(description="CSV (UTF-8, BOM allowed) or .xlsx, header in row 1")]
COLUMNS = "; ".join(f"{kind}: {','.join(service.columns(kind))}" for kind in service.KINDS)

router = APIRouter(tags=["imports"])


@router.post(
    "/imports/{kind}",
    status_code=status.HTTP_201_CREATED,
    response_model=ImportedOut,
    responses=problem_responses(422),
    description="Every row of the sheet, or none: any bad row is a 422 whose errors name each bad row "
    f"and column. Orders: one row per line, rows with one ref are one order. Columns — {COLUMNS}",
)
def post_import(kind: ImportKind, file: SheetFile, session: DbSession, principal: Writer, idem: IdempotencyDep) -> Any:
    """Import a sheet of products, locations, suppliers, inbound notices or shipping orders."""
    if idem.replay is not None:
        return idem.replay
    file.file.seek(0)  # the Idempotency-Key fingerprint has read it
    content = file.file.read(MAX_BYTES + 1)
    created = service.import_sheet(session, kind, file.filename or "", content, by=principal.subject)
    return idem.save(201, ImportedOut(kind=kind, created=created))


@router.get(
    "/imports/{kind}/template",
    response_class=Response,
    responses={
        200: {
            "description": "An empty sheet with the import's header row",
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                XLSX: {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
def get_template(
    kind: ImportKind,
    principal: Reader,
    format: Literal["csv", "xlsx"] = "csv",  # noqa: A002 - the query's name
) -> Response:
    """The header row to fill in (CSV with a BOM for Excel, or .xlsx)."""
    header = service.columns(kind)
    if format == "csv":
        return Response(
            csv_text(header, []), media_type="text/csv; charset=utf-8", headers=attachment(f"wms-{kind}.csv")
        )
    return Response(xlsx_bytes(header, [], sheet=kind), media_type=XLSX, headers=attachment(f"wms-{kind}.xlsx"))
