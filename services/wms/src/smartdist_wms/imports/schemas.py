"""Import answers."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

ImportKind = Literal["products", "locations", "suppliers", "customers", "inbound-orders", "outbound-orders"]


class ImportedOut(BaseModel):
    kind: ImportKind
    created: int = Field(description="Records (or documents, for orders) stored: every row of the sheet.")
