"""Where the shared forecast data lives (<repo>/../shared/data/forecast) and small slices of it."""

from __future__ import annotations

import io
from pathlib import Path

DATA = Path(__file__).resolve().parents[4] / ".." / "shared" / "data" / "forecast"


def sample_lines(n_rows: int, store: str | None = None, skus: set[str] | None = None) -> list[str]:
    """The header plus the first ``n_rows`` matching data lines of pos_sample.csv."""
    lines: list[str] = []
    with open(DATA / "pos_sample.csv", encoding="utf-8") as handle:
        lines.append(handle.readline().rstrip("\n"))
        for line in handle:
            fields = line.split(",", 4)
            if store is not None and fields[0] != store:
                continue
            if skus is not None and fields[3] not in skus:
                continue
            lines.append(line.rstrip("\n"))
            if len(lines) > n_rows:
                break
    return lines


def as_stream(lines: list[str], encoding: str = "utf-8") -> io.BytesIO:
    return io.BytesIO(("\n".join(lines) + "\n").encode(encoding))
