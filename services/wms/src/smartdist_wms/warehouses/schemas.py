"""Warehouse settings requests and answers."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from smartdist_wms.products.schemas import Input

ReceivingSteps = Literal[1, 2, 3]


class WarehouseSettingsIn(Input):
    receiving_steps: ReceivingSteps = Field(
        description="1: receipt lines name their location and are put away at once; 2: receive, then put "
        "away; 3: receive, inspect (QC: accept or reject), then put away what was accepted."
    )


class WarehouseSettingsOut(BaseModel):
    code: str
    receiving_steps: ReceivingSteps
    updated_by: str
    updated_at: datetime | None
