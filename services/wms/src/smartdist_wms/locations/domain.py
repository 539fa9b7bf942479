"""Rules and errors of locations."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from smartdist.problems import Conflict, Unprocessable

STATUSES = ("active", "blocked", "counting")


class DuplicateLocation(Conflict):
    title = "Location already exists"


class LocationBlocked(Conflict):
    title = "Location is not active"


class UnknownLocation(Unprocessable):
    title = "Unknown location"

    def __init__(
        self,
        code: str,
        loc: Sequence[str | int] = ("body", "location"),
        *,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(
            f"unknown location {code!r}: create the location first",
            errors=errors or [{"loc": list(loc), "message": f"unknown location {code!r}"}],
        )
