"""The edge of plan requests."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class PlanRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plan_date: date
    depot_id: int = Field(ge=1)
    time_limit_s: int = Field(default=10, ge=1, le=60)
