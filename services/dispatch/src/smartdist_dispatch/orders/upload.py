"""The uploaded sheet of an import, read so that Idempotency-Key works on multipart requests too.

A `File()` parameter makes FastAPI parse the form before the dependencies run, which consumes the
request stream; the platform's idempotency dependency then cannot read the body to fingerprint
it. Reading the body first (Starlette caches it) and the form from that cache serves both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.datastructures import UploadFile

from smartdist.idempotency import HEADER, Idempotency
from smartdist.problems import Unprocessable
from smartdist.web.deps import DbSession


@dataclass(frozen=True)
class UploadedSheet:
    filename: str
    content: bytes


async def _cached_body(request: Request) -> bytes:
    return await request.body()


async def uploaded_sheet(request: Request, body: Annotated[bytes, Depends(_cached_body)]) -> UploadedSheet:
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise Unprocessable("send the sheet as multipart/form-data in the field 'file'",
                            errors=[{"loc": ["body", "file"], "message": "multipart field 'file' required"}])
    form = await request.form()
    file = form.get("file")
    if not isinstance(file, UploadFile):
        raise Unprocessable("the form has no file in the field 'file'",
                            errors=[{"loc": ["body", "file"], "message": "field required"}])
    return UploadedSheet(file.filename or "", await file.read())


SheetUpload = Annotated[UploadedSheet, Depends(uploaded_sheet)]

# The request body as OpenAPI shows it (the handler reads it through SheetUpload, not a File param).
def sheet_request_body(description: str) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["file"],
        "properties": {"file": {"type": "string", "format": "binary", "description": description}},
    }}}}}


def sheet_idempotency(request: Request, session: DbSession, sheet: SheetUpload) -> Idempotency:
    """Idempotency keyed on the file, not the raw multipart body: a client's retry (a browser's
    FormData, the offline queue) sends a new multipart boundary, which must still count as the
    same request."""
    endpoint = f"{request.method} {request.url.path}"
    fingerprint = sheet.filename.encode() + b"\n" + sheet.content
    return Idempotency(session, request.headers.get(HEADER), endpoint, fingerprint)


SheetIdempotency = Annotated[Idempotency, Depends(sheet_idempotency)]
