"""Location requests and answers."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from smartdist_wms.products.schemas import Input

LocationStatus = Literal["active", "blocked", "counting"]


class LocationIn(Input):
    code: str = Field(min_length=1, max_length=40, pattern=r"^\S(.*\S)?$", description="The code on the bin label.")
    zone: str | None = Field(default=None, min_length=1, max_length=40, description="Zone (aisle, cold room ...).")
    kind: str = Field(default="bin", min_length=1, max_length=20, description="bin, pallet, floor, dock, returns ...")
    status: LocationStatus = Field(default="active", description="blocked and counting locations take no picks.")
    capacity: int | None = Field(default=None, ge=1, le=1_000_000, description="Most units it holds.")
    sequence: int = Field(default=0, ge=0, le=1_000_000, description="Position on the walking path.")
    category: str | None = Field(default=None, min_length=1, max_length=60, description="Product category it takes.")


class LocationPatch(Input):
    status: LocationStatus | None = Field(default=None, description="active, blocked or counting.")
    capacity: int | None = Field(default=None, ge=1, le=1_000_000, description="Most units it holds.")
    sequence: int | None = Field(default=None, ge=0, le=1_000_000, description="Position on the walking path.")


class LocationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    code: str
    zone: str | None
    kind: str
    status: LocationStatus
    capacity: int | None
    sequence: int
    category: str | None
    created_at: datetime
