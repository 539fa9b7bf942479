"""Reading a stored upload: parse progress as a fraction of its bytes, and the all-or-nothing rule.

The API stores a large upload, starts a ``forecast.import_sales`` job and answers 202; the job
parses the file, and only when the result is clean (or the caller asked for a partial import)
writes the rows in one transaction, so a bad file changes nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from smartdist_forecast.sales.online_orders import OnlineImport
from smartdist_forecast.sales.pos_csv import PosImport, parse_pos_csv

# Reading and checking the rows is the first 60% of the job's bar; the rest is storing them.
READ_SHARE = 0.6


def progress_of_bytes(path: Path, progress: Callable[[float], None] | None) -> Callable[[int], None]:
    """A parser's bytes-read callback reporting ``READ_SHARE`` × the fraction of the file read."""
    size = max(os.path.getsize(path), 1)
    report = progress or (lambda _: None)
    return lambda done: report(READ_SHARE * min(done / size, 1.0))


def import_pos_file(path: Path, progress: Callable[[float], None] | None = None) -> PosImport:
    with open(path, "rb") as handle:
        return parse_pos_csv(handle, progress=progress_of_bytes(path, progress))


def should_store(result: PosImport | OnlineImport, partial: bool) -> bool:
    """All or nothing unless the merchant asked for the good rows of a file with bad ones."""
    return result.clean or (partial and result.rows_accepted > 0)
