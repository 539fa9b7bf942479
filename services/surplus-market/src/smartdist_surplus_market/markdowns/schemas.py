"""Edge schemas of markdown templates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from smartdist_surplus_market.listings.schemas import Markdown

Category = str


class TemplateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    markdown: Markdown = Field(min_length=1, description="The steps a new listing of the category gets.")
    floor_percent: int | None = Field(
        None, ge=0, le=100, description="Floor price as a percent of the list price (rounded half up)."
    )


class TemplateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    category: str
    markdown: list[dict[str, Any]]
    floor_percent: int | None
    updated_at: datetime


class TemplateList(BaseModel):
    items: list[TemplateOut]
