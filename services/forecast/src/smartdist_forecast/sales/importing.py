"""The import job's body: parse a stored upload with progress as a fraction of its bytes.

The API stores the upload, starts a ``forecast.import_sales`` job and answers 202; the job calls
``import_pos_file`` and, only when the result is clean (or the caller asked for a partial import),
writes ``result.sales`` in the same transaction, so a bad file changes nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from smartdist_forecast.sales.online_orders import OnlineImport, parse_online_orders_csv
from smartdist_forecast.sales.pos_csv import PosImport, parse_pos_csv

# Parsing is most of the job; the rest of the bar is left for storing the rows.
PARSE_SHARE = 0.8


def import_pos_file(path: Path, progress: Callable[[float], None] | None = None) -> PosImport:
    size = max(os.path.getsize(path), 1)
    report = progress or (lambda _: None)
    with open(path, "rb") as handle:
        result = parse_pos_csv(handle, progress=lambda done: report(PARSE_SHARE * min(done / size, 1.0)))
    return result


def import_online_orders_file(path: Path) -> OnlineImport:
    with open(path, "rb") as handle:
        return parse_online_orders_csv(handle)


def should_store(result: PosImport | OnlineImport, partial: bool) -> bool:
    """All or nothing unless the merchant asked for the good rows of a file with bad ones."""
    return result.clean or (partial and result.rows_accepted > 0)
