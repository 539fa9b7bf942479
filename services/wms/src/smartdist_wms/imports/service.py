"""Import use cases: one sheet of products, locations, suppliers, inbound notices (ASN) or
shipping orders, checked row by row; any bad row is a 422 naming every bad row and column, and
then nothing of the sheet is stored.

Orders take one row per line: rows with the same ``ref`` are one order (their ``supplier`` /
``customer`` is read from the order's first row).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartdist.problems import Unprocessable
from smartdist_wms.customers import service as customers
from smartdist_wms.customers.models import Customer
from smartdist_wms.customers.schemas import CustomerIn
from smartdist_wms.imports.sheet import RowError, SheetRow, SheetUnreadable, as_text, check_rows, read_sheet
from smartdist_wms.inbound import service as inbound
from smartdist_wms.inbound.models import Supplier
from smartdist_wms.inbound.schemas import InboundLineIn, InboundOrderIn, SupplierIn
from smartdist_wms.locations import service as locations
from smartdist_wms.locations.models import Location
from smartdist_wms.locations.schemas import LocationIn
from smartdist_wms.outbound import service as outbound
from smartdist_wms.outbound.schemas import OutboundLineIn, OutboundOrderIn
from smartdist_wms.products import repository as product_repository
from smartdist_wms.products import service as products
from smartdist_wms.products.models import Product
from smartdist_wms.products.schemas import ProductIn


class InboundRow(InboundLineIn):
    ref: str = Field(min_length=1, max_length=60)
    supplier: str | None = Field(default=None, min_length=1, max_length=200)


class OutboundRow(OutboundLineIn):
    ref: str = Field(min_length=1, max_length=60)
    customer: str | None = Field(default=None, min_length=1, max_length=200)


@dataclass(frozen=True)
class Kind:
    model: type[BaseModel]
    fields: dict[str, str]  # column -> text | int | day
    required: tuple[str, ...]
    key: str | None  # the column that must be new (unique in the sheet and not stored yet)


KINDS: dict[str, Kind] = {
    "products": Kind(
        ProductIn,
        {
            "sku": "text",
            "name": "text",
            "barcode": "text",
            "barcodes": "list",
            "unit": "text",
            "tracking": "text",
            "near_expiry_days": "int",
            "pack_barcode": "text",
            "pack_size": "int",
            "allocation": "text",
            "category": "text",
            "fixed_location": "text",
        },
        ("sku", "name"),
        "sku",
    ),
    "locations": Kind(
        LocationIn,
        {
            "code": "text",
            "zone": "text",
            "kind": "text",
            "status": "text",
            "capacity": "int",
            "sequence": "int",
            "category": "text",
        },
        ("code",),
        "code",
    ),
    "suppliers": Kind(
        SupplierIn,
        {"code": "text", "name": "text", "over_receipt_pct": "int", "short_receipt": "text"},
        ("code", "name"),
        "code",
    ),
    "customers": Kind(
        CustomerIn,
        {"code": "text", "name": "text", "phone": "text", "address": "text", "channel": "text"},
        ("code", "name"),
        "code",
    ),
    "inbound-orders": Kind(
        InboundRow,
        {"ref": "text", "supplier": "text", "sku": "text", "qty": "int", "lot": "text", "expiry": "day"},
        ("ref", "sku", "qty"),
        None,
    ),
    "outbound-orders": Kind(
        OutboundRow,
        {"ref": "text", "customer": "text", "sku": "text", "qty": "int"},
        ("ref", "sku", "qty"),
        None,
    ),
}


class ImportRejected(Unprocessable):
    title = "The sheet has errors; nothing was imported"


def columns(kind: str) -> list[str]:
    return list(KINDS[kind].fields)


def _existing(session: Session, kind: str, values: set[str]) -> set[str]:
    if not values:
        return set()
    columns: dict[str, Any] = {
        "products": Product.sku,
        "locations": Location.code,
        "suppliers": Supplier.code,
        "customers": Customer.code,
    }
    column = columns[kind]
    return set(session.scalars(select(column).where(column.in_(values))))


def _check_keys(session: Session, kind: str, good: list[tuple[SheetRow, Any]]) -> list[RowError]:
    """A code twice in the sheet, or one the warehouse already has, is its row's error."""
    key = KINDS[kind].key
    if key is None:
        return []
    errors: list[RowError] = []
    first: dict[str, int] = {}
    for row, item in good:
        value = str(getattr(item, key))
        if value in first:
            errors.append(
                RowError(
                    row.number,
                    key,
                    f"{value} is also in row {first[value]}",
                    "wms.import.duplicate",
                    {"value": value, "first_row": first[value]},
                )
            )
        else:
            first[value] = row.number
    for value in sorted(_existing(session, kind, set(first))):
        errors.append(RowError(first[value], key, f"{value} already exists", "wms.import.exists", {"value": value}))
    return errors


def _check_barcodes(session: Session, good: list[tuple[SheetRow, Any]]) -> list[RowError]:
    """A product's barcodes may name no other product: none stored, none twice in the sheet."""
    errors: list[RowError] = []
    first: dict[str, tuple[int, str]] = {}  # code -> (row, column) where the sheet first has it
    for row, item in good:
        coded = [(item.barcode, "barcode")] if item.barcode is not None else []
        for code, column in coded + [(c, "barcodes") for c in item.barcodes]:
            if code not in first:
                first[code] = (row.number, column)
                continue
            errors.append(
                RowError(
                    row.number,
                    column,
                    f"{code} is also in row {first[code][0]}",
                    "wms.import.duplicate",
                    {"value": code, "first_row": first[code][0]},
                )
            )
    for code in product_repository.barcodes_taken(session, list(first)):
        number, column = first[code]
        message = f"{code} already names a product"
        errors.append(RowError(number, column, message, "wms.product.barcode_taken", {"barcode": code}))
    return errors


def _check_skus(session: Session, rows: Sequence[SheetRow]) -> list[RowError]:
    """Every row's SKU the warehouse does not have (also on rows with other errors)."""
    skus = {sku for row in rows if (sku := as_text(row.cells.get("sku"))) is not None}
    known = set(session.scalars(select(Product.sku).where(Product.sku.in_(skus)))) if skus else set()
    return [
        RowError(row.number, "sku", f"unknown sku {sku}", "wms.import.unknown_sku", {"value": sku})
        for row in rows
        if (sku := as_text(row.cells.get("sku"))) is not None and sku not in known
    ]


def _orders(good: list[tuple[SheetRow, Any]]) -> dict[str, list[Any]]:
    by_ref: dict[str, list[Any]] = {}
    for _, item in good:
        by_ref.setdefault(item.ref, []).append(item)
    return by_ref


def _check_order_sizes(good: list[tuple[SheetRow, Any]]) -> list[RowError]:
    rows_of: dict[str, list[int]] = {}
    for row, item in good:
        rows_of.setdefault(item.ref, []).append(row.number)
    return [
        RowError(
            numbers[500], "ref", f"{ref}: at most 500 lines per order", "wms.import.too_many_lines", {"value": ref}
        )
        for ref, numbers in rows_of.items()
        if len(numbers) > 500
    ]


def import_sheet(session: Session, kind: str, filename: str, content: bytes, *, by: str) -> int:
    """Store every row of the sheet, or nothing: the number of documents or records created."""
    spec = KINDS[kind]
    try:
        rows = read_sheet(filename, content, required=spec.required, known=list(spec.fields))
    except SheetUnreadable as exc:
        raise ImportRejected(
            str(exc),
            code=f"wms.import.{exc.code}",
            params=exc.params,
            errors=[{"loc": ["file"], "code": f"wms.import.{exc.code}", "params": exc.params, "message": str(exc)}],
        ) from None
    good, errors = check_rows(rows, spec.model, spec.fields)
    errors += _check_keys(session, kind, good)
    if kind == "products":
        errors += _check_barcodes(session, good)
    if kind in ("inbound-orders", "outbound-orders"):
        errors += _check_skus(session, rows) + _check_order_sizes(good)
    if errors:
        _reject(errors)
    create: dict[str, Callable[[], int]] = {
        "products": lambda: _each(good, lambda item: products.create_product(session, item)),
        "locations": lambda: _each(good, lambda item: locations.create_location(session, item)),
        "suppliers": lambda: _each(good, lambda item: inbound.create_supplier(session, item)),
        "customers": lambda: _each(good, lambda item: customers.create_customer(session, item)),
        "inbound-orders": lambda: _create_inbound(session, good),
        "outbound-orders": lambda: _create_outbound(session, good),
    }
    return create[kind]()


def _each(good: list[tuple[SheetRow, Any]], make: Callable[[Any], object]) -> int:
    for _, item in good:
        make(item)
    return len(good)


def _create_inbound(session: Session, good: list[tuple[SheetRow, Any]]) -> int:
    orders = _orders(good)
    for ref, lines in orders.items():
        body = InboundOrderIn(
            ref=ref,
            supplier=lines[0].supplier,
            lines=[InboundLineIn(sku=x.sku, qty=x.qty, lot=x.lot, expiry=x.expiry) for x in lines],
        )
        inbound.create_inbound(session, body, source={"import": "sheet"})
    return len(orders)


def _create_outbound(session: Session, good: list[tuple[SheetRow, Any]]) -> int:
    orders = _orders(good)
    for ref, lines in orders.items():
        body = OutboundOrderIn(
            ref=ref, customer=lines[0].customer, lines=[OutboundLineIn(sku=x.sku, qty=x.qty) for x in lines]
        )
        outbound.create_outbound(session, body)
    return len(orders)


def _reject(errors: Sequence[RowError]) -> None:
    ordered = sorted(errors, key=lambda e: (e.row, e.column))
    rows = len({e.row for e in ordered})
    raise ImportRejected(
        f"{rows} row(s) have errors; nothing was imported",
        code="wms.import.rows",
        params={"rows": rows},
        errors=[e.as_problem_error() for e in ordered],
    )
