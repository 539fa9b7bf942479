"""Rules of the sales imports and their domain errors (Problem subclasses carrying their 422)."""

from __future__ import annotations

from datetime import date
from typing import Any

from smartdist.problems import Unprocessable
from smartdist_forecast.sales.csv_source import CsvUnreadableError

IMPORT_JOB = "forecast.import_sales"
CHANNELS = ("pos", "delivery", "pickup")
SALES_COLUMNS = ["date", "channel", "qty", "amount", "stockout_qty", "returned_qty"]


class BadFile(Unprocessable):
    """A bad header, unreadable bytes or a line far wider or longer than the format: nothing stored."""

    type_slug = "unprocessable"

    @classmethod
    def of(cls, exc: Exception) -> BadFile:
        """The problem of a parser's whole-file error, with the error's code and parameters when it
        has them (headers, encodings, line shape), ``forecast.file.unreadable`` otherwise."""
        row = exc.row if isinstance(exc, CsvUnreadableError) else None
        loc: list[Any] = ["body", "file"] if row is None else ["body", "file", row]
        code = str(getattr(exc, "code", "") or "forecast.file.unreadable")
        params = dict(getattr(exc, "params", {}) or {})
        if code == "forecast.file.unreadable":
            params.setdefault("reason", str(exc))
        item = {"loc": loc, "row": row, "column": None, "message": str(exc), "code": code, "params": params}
        return cls(str(exc), code=code, params=params, errors=[item])


class BadRows(Unprocessable):
    title = "The file has rows that cannot be imported"


def check_period(start: date | None, end: date | None) -> None:
    """``from`` after ``to`` is the caller's mistake, named on ``from``."""
    if start is not None and end is not None and start > end:
        raise Unprocessable(
            "'from' is after 'to'",
            code="forecast.sales.period",
            errors=[{"loc": ["query", "from"], "message": "must not be after 'to'", "code": "forecast.sales.period"}],
        )
