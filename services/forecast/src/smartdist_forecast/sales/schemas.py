"""Request and response models of the sales imports and of what was imported."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class RowProblem(BaseModel):
    """One problem of one data row of an uploaded file (``row`` 1-based, header excluded)."""

    row: int | None = Field(description="data row, 1-based, header excluded; null for the whole file")
    column: str | None = Field(description="the column at fault, null for the whole row")
    message: str = Field(description="what is wrong, in the request's language (catalog error.<code>)")
    loc: list[str | int | None] = Field(description='["body", "file", row, column]')
    code: str | None = Field(default=None, description="stable machine code of the problem, the same in every language")
    params: dict[str, str | int | float | None] = Field(
        default_factory=dict, description="the values the message names (row, column limit, date ...)"
    )


class ImportResult(BaseModel):
    """The contract answer of an import (SPEC §4.B), also the import job's result."""

    rows_accepted: int = Field(description="rows stored (0 when the file was refused)")
    rows_rejected: int = Field(description="rows with at least one problem")
    errors: list[RowProblem]
    errors_truncated: bool | None = Field(default=None, description="true when more errors were found than listed")


class JobAccepted(BaseModel):
    """A background job was started: follow it at GET /api/v1/jobs/{job_id}."""

    job_id: str


class SeriesOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    store: str = Field(description="店號")
    store_name: str
    sku: str = Field(description="商品代碼")
    product_name: str
    category: str
    first_date: date
    last_date: date
    days: int = Field(description="days with any sales row (POS or online)")
    units: int = Field(description="counter + online units")


class SeriesPage(BaseModel):
    items: list[SeriesOut]
    next_cursor: str | None = None


class SalesDayOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    date: date
    channel: str = Field(description="pos, delivery or pickup")
    qty: int
    amount: int = Field(description="NT$ (POS rows; 0 for online rows)")
    stockout_qty: int
    returned_qty: int


class SalesPage(BaseModel):
    items: list[SalesDayOut]
    next_cursor: str | None = None
