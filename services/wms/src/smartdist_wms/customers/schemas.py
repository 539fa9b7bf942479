"""Customer requests and answers."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from smartdist_wms.products.schemas import Input


class CustomerIn(Input):
    code: str = Field(min_length=1, max_length=60, pattern=r"^\S(.*\S)?$", description="The customer's code.")
    name: str = Field(min_length=1, max_length=200)
    phone: str | None = Field(default=None, min_length=6, max_length=30, pattern=r"^\+?[0-9 ()\-#]{6,30}$")
    address: str | None = Field(default=None, min_length=1, max_length=500)
    channel: str | None = Field(default=None, min_length=1, max_length=60, description="Sales channel.")


class CustomerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    code: str
    name: str
    phone: str | None
    address: str | None
    channel: str | None
    created_at: datetime
