"""Small POS files cut from ../shared/data/forecast/pos_sample.csv so the API tests run in seconds."""

from __future__ import annotations

import csv
import io
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def _sample_rows(sample: Path) -> list[list[str]]:
    with open(sample, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


@lru_cache(maxsize=8)
def pos_slice(sample: Path, stores: int = 2, skus: int = 3, days: int = 400) -> bytes:
    """The last ``days`` days of the first ``stores`` stores × first ``skus`` products, as CSV bytes."""
    rows = _sample_rows(sample)
    header, body = rows[0], rows[1:]
    store_ids = sorted({r[0] for r in body})[:stores]
    sku_ids = sorted({r[3] for r in body})[:skus]
    kept = [r for r in body if r[0] in store_ids and r[3] in sku_ids]
    dates = sorted({tuple(int(p) for p in r[2].split("/")) for r in kept})[-days:]
    wanted = {f"{y}/{m:02d}/{d:02d}" for y, m, d in dates} | {f"{y}/{m}/{d}" for y, m, d in dates}
    kept = [r for r in kept if r[2] in wanted]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(kept)
    return out.getvalue().encode("utf-8")
