"""Sheets of coded fleet rows (depots, vehicles, drivers): one row per row to create, all or none.

Built on the order sheet's reader and row validation (``orders/spreadsheet.py``): this adds what
the fleet sheets share — a ``code`` unique per tenant and within the file, and columns that name
another stored row by its code (``depot_code``, ``vehicle_code``) and become its id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from smartdist.problems import Unprocessable
from smartdist_dispatch.orders.spreadsheet import (
    Cell,
    RowError,
    raise_row_errors,
    read_upload_rows,
    text,
    validate_rows,
)

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Reference:
    """A column naming another stored row by its code; the schema field gets that row's id."""

    field: str  # e.g. depot_id
    noun: str  # e.g. depot, for "no depot D9"


@dataclass(frozen=True)
class CodeSheet(Generic[M]):
    noun: str  # vehicle, depot, driver: the word of the error messages
    model: type[M]  # the same schema the JSON endpoint takes
    columns: tuple[str, ...]
    required: tuple[str, ...]
    text_columns: frozenset[str]  # read as text (Excel gives a phone number or a code as a number)
    references: Mapping[str, Reference] = field(default_factory=dict)

    @property
    def header(self) -> str:
        return ",".join(self.columns)

    def fields(self, cells: Mapping[str, Cell]) -> dict[str, Any]:
        """A row's cells as schema fields; reference columns are resolved later, against stored rows."""
        out: dict[str, Any] = {}
        for column in self.columns:
            value = cells.get(column)
            if value is None or column in self.references:
                continue
            out[column] = text(value) if column in self.text_columns else value
        return out


@dataclass(frozen=True)
class ValidRow(Generic[M]):
    row: int
    body: M
    references: dict[str, int]  # schema field -> the referenced row's id


def read_code_sheet(
    spec: CodeSheet[M],
    filename: str,
    content: bytes,
    *,
    stored_codes: set[str],
    lookups: Mapping[str, Mapping[str, int]],
) -> list[ValidRow[M]]:
    """Every row checked, then either all of them or a 422 with one entry per bad cell of every bad row.

    ``lookups``: for each reference column, the stored codes it may name and their ids.
    """
    rows = read_upload_rows(filename, content, required=spec.required, known=spec.columns)
    good, errors = validate_rows(rows, spec.model, spec.fields, lambda loc: str(loc[0]) if loc else "row")
    cells = {r.number: r.cells for r in rows}
    seen: dict[str, int] = {}
    valid: list[ValidRow[M]] = []
    for number, body in good:
        row_errors, references = _references(spec, cells[number], number, lookups)
        code = str(body.model_dump(include={"code"})["code"])
        if code in stored_codes:
            row_errors.append(
                RowError(
                    number, "code", f"{spec.noun} {code} already exists", "dispatch.sheet.code_exists", {"code": code}
                )
            )
        elif code in seen:
            row_errors.append(
                RowError(
                    number,
                    "code",
                    f"{spec.noun} {code} is already on row {seen[code]}",
                    "dispatch.sheet.code_repeated",
                    {"code": code, "first": seen[code]},
                )
            )
        else:
            seen[code] = number
        errors.extend(row_errors)
        if not row_errors:
            valid.append(ValidRow(number, body, references))
    if errors:
        raise_row_errors(sorted(errors, key=lambda e: e.row))
    if not valid:
        raise Unprocessable(
            f"the file has no {spec.noun} rows",
            code="dispatch.import.empty",
            errors=[{"loc": ["file"], "code": "dispatch.import.empty", "message": "no rows"}],
        )
    return valid


def _references(
    spec: CodeSheet[Any], cells: Mapping[str, Cell], number: int, lookups: Mapping[str, Mapping[str, int]]
) -> tuple[list[RowError], dict[str, int]]:
    errors: list[RowError] = []
    resolved: dict[str, int] = {}
    for column, reference in spec.references.items():
        code = text(cells.get(column))
        if code is None:
            continue
        found = lookups.get(column, {}).get(code)
        if found is None:
            errors.append(
                RowError(number, column, f"no {reference.noun} {code}", "dispatch.sheet.no_reference", {"code": code})
            )
        else:
            resolved[reference.field] = found
    return errors, resolved
