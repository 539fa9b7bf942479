"""Rules and errors of the product master."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from smartdist.problems import Conflict, Unprocessable


class DuplicateSku(Conflict):
    title = "SKU already exists"


class DuplicateBarcode(Conflict):
    title = "Barcode already names a product"


class UnknownSku(Unprocessable):
    title = "Unknown SKU"

    def __init__(
        self,
        sku: str,
        loc: Sequence[str | int] = ("body", "sku"),
        *,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(
            f"unknown sku {sku!r}: create the product first",
            errors=errors or [{"loc": list(loc), "message": f"unknown sku {sku!r}"}],
        )


class LotRequired(Unprocessable):
    title = "Lot or expiry missing"


def needs_lot(tracking: str) -> bool:
    return tracking == "lot"


def needs_expiry(tracking: str) -> bool:
    # A lot-tracked product may carry an expiry too; an expiry-tracked one must.
    return tracking == "expiry"


class BadScan(Unprocessable):
    title = "Scan not readable"
