"""Edge schemas of delivery orders: strict input (extra="forbid"), plain output."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from smartdist_dispatch.fleet.schemas import Latitude, Longitude

MAX_WINDOWS = 4


def _check_window(window: tuple[datetime, datetime]) -> tuple[datetime, datetime]:
    start, end = window
    if end <= start:
        raise ValueError(f"time window ends ({end.isoformat()}) before it starts ({start.isoformat()})")
    return window


# Checked per window, so an error's loc says which window of the list is wrong.
Window = Annotated[tuple[AwareDatetime, AwareDatetime], AfterValidator(_check_window)]


class OrderFields(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OrderIn(OrderFields):
    order_no: str = Field(min_length=1, max_length=64)
    customer_name: str = Field(min_length=1, max_length=200)
    phone: str = Field("", max_length=40)
    address: str = Field("", max_length=400)
    lat: Latitude
    lng: Longitude
    time_windows: list[Window] = Field(default_factory=list, max_length=MAX_WINDOWS)
    service_s: int = Field(300, ge=0, le=86_400)
    weight_kg: float = Field(0, ge=0)
    volume_l: float = Field(0, ge=0)
    boxes: int = Field(0, ge=0)
    priority: int = Field(0, ge=0, le=100)
    cash_to_collect_twd: int = Field(0, ge=0)
    notes: str = Field("", max_length=1000)


class OrderPatch(OrderFields):
    customer_name: str | None = Field(None, min_length=1, max_length=200)
    phone: str | None = Field(None, max_length=40)
    address: str | None = Field(None, max_length=400)
    lat: Latitude | None = None
    lng: Longitude | None = None
    time_windows: list[Window] | None = Field(None, max_length=MAX_WINDOWS)
    service_s: int | None = Field(None, ge=0, le=86_400)
    weight_kg: float | None = Field(None, ge=0)
    volume_l: float | None = Field(None, ge=0)
    boxes: int | None = Field(None, ge=0)
    priority: int | None = Field(None, ge=0, le=100)
    cash_to_collect_twd: int | None = Field(None, ge=0)
    notes: str | None = Field(None, max_length=1000)


class OrderOut(BaseModel):
    id: int
    order_no: str
    customer_name: str
    phone: str
    address: str
    lat: float
    lng: float
    time_windows: list[tuple[str, str]]
    service_s: int
    weight_kg: float
    volume_l: float
    boxes: int
    priority: int
    cash_to_collect_twd: int
    notes: str
    status: str
    created_at: datetime


def stored_windows(windows: list[Window]) -> list[list[str]]:
    """RFC 3339 strings keep the caller's offset and survive JSON columns on every database."""
    return [[start.isoformat(), end.isoformat()] for start, end in windows]
