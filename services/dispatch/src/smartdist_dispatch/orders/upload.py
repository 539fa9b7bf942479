"""The uploaded sheet of an import, read once (at most one byte past the sheet's size limit)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from smartdist_dispatch.orders.spreadsheet import MAX_BYTES


@dataclass(frozen=True)
class UploadedSheet:
    filename: str
    content: bytes


def read_upload(filename: str | None, stream: BinaryIO) -> UploadedSheet:
    """The sheet's name and bytes; one byte more than the limit is enough to refuse it as too large."""
    # Idempotency-Key fingerprints the same file (platform IdempotencyDep); start from its beginning.
    stream.seek(0)
    return UploadedSheet(filename or "", stream.read(MAX_BYTES + 1))
