"""Edge schemas of the driver's actions: strict, with the phone's own time of each action."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from smartdist_dispatch.driver.domain import REASON_CODES

ReasonCode = Literal["damaged", "refused", "nobody_home", "address_wrong", "closed", "other"]
assert set(REASON_CODES) == set(ReasonCode.__args__)  # type: ignore[attr-defined]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Occurred(Strict):
    occurred_at: AwareDatetime = Field(
        description="When it happened on the phone (RFC 3339 with offset): actions may be synced long after."
    )


class ArriveIn(Occurred):
    pass


class DeliverIn(Occurred):
    recipient_name: str = Field("", max_length=200, description="Who took the goods.")
    cash_collected_twd: int | None = Field(
        None, ge=0, le=10_000_000, description="Cash taken, TWD; required when the order has cash to collect."
    )
    note: str = Field("", max_length=1000)


class FailIn(Occurred):
    reason_code: ReasonCode
    note: str = Field("", max_length=1000, description="Required when reason_code is other.")


class BreadcrumbIn(Strict):
    lat: float = Field(ge=-90, le=90)
    lng: float = Field(ge=-180, le=180)
    accuracy_m: float | None = Field(None, ge=0, le=100_000)
    recorded_at: AwareDatetime


class AcceptedBreadcrumbs(BaseModel):
    accepted: int
    duplicates: int
    last_recorded_at: datetime | None
