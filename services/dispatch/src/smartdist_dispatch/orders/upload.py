"""The uploaded sheet of an import (multipart field ``file``), read once for the handler."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, File, UploadFile


@dataclass(frozen=True)
class UploadedSheet:
    filename: str
    content: bytes


async def uploaded_sheet(
    file: Annotated[UploadFile, File(description="CSV (UTF-8, BOM allowed) or .xlsx")],
) -> UploadedSheet:
    # Idempotency-Key fingerprints the same file (platform IdempotencyDep); start from its beginning.
    await file.seek(0)
    return UploadedSheet(file.filename or "", await file.read())


SheetUpload = Annotated[UploadedSheet, Depends(uploaded_sheet)]
