"""Edge schemas of delivery orders: strict input (extra="forbid", bounded finite numbers), output read off rows."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from smartdist_dispatch.fleet.schemas import Latitude, Longitude

MAX_WINDOWS = 4
# What the business allows one order to be (a parcel for a van or a scooter, cash a driver carries).
MAX_WEIGHT_KG = 10_000
MAX_VOLUME_L = 50_000
MAX_BOXES = 10_000
MAX_CASH_TWD = 10_000_000
ServiceSeconds = Annotated[int, Field(ge=0, le=86_400)]
WeightKg = Annotated[float, Field(ge=0, le=MAX_WEIGHT_KG, allow_inf_nan=False)]
VolumeL = Annotated[float, Field(ge=0, le=MAX_VOLUME_L, allow_inf_nan=False)]
Boxes = Annotated[int, Field(ge=0, le=MAX_BOXES)]
Priority = Annotated[int, Field(ge=0, le=100)]
CashTwd = Annotated[int, Field(ge=0, le=MAX_CASH_TWD)]


def _check_window(window: list[datetime]) -> list[datetime]:
    start, end = window
    if end <= start:
        raise ValueError("error.dispatch.order.window_order")
    return window


# [start, end], checked per window, so an error's loc says which window of the list is wrong. A list
# of two rather than a tuple: OpenAPI tools read a tuple's prefixItems schema wrongly (schemathesis).
Window = Annotated[
    list[AwareDatetime],
    Field(min_length=2, max_length=2, description="[start, end], RFC 3339 with offset"),
    AfterValidator(_check_window),
]


class OrderFields(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)


class OrderIn(OrderFields):
    order_no: str = Field(min_length=1, max_length=64)
    customer_name: str = Field(min_length=1, max_length=200)
    phone: str = Field("", max_length=40)
    address: str = Field("", max_length=400)
    lat: Latitude | None = Field(None, description="With lng; left out: the address is geocoded (when configured)")
    lng: Longitude | None = Field(None, description="With lat; left out: the address is geocoded (when configured)")
    time_windows: list[Window] = Field(default_factory=list, max_length=MAX_WINDOWS)
    service_s: ServiceSeconds = 300
    weight_kg: WeightKg = 0
    volume_l: VolumeL = 0
    boxes: Boxes = 0
    priority: Priority = 0
    cash_to_collect_twd: CashTwd = 0
    notes: str = Field("", max_length=1000)

    @model_validator(mode="after")
    def _somewhere(self) -> OrderIn:
        if (self.lat is None) != (self.lng is None):
            raise ValueError("error.dispatch.order.both_coordinates")
        if self.lat is None and not self.address:
            raise ValueError("error.dispatch.order.no_place")
        return self


class OrderPatch(OrderFields):
    customer_name: str | None = Field(None, min_length=1, max_length=200)
    phone: str | None = Field(None, max_length=40)
    address: str | None = Field(None, max_length=400)
    lat: Latitude | None = None
    lng: Longitude | None = None
    time_windows: list[Window] | None = Field(None, max_length=MAX_WINDOWS)
    service_s: ServiceSeconds | None = None
    weight_kg: WeightKg | None = None
    volume_l: VolumeL | None = None
    boxes: Boxes | None = None
    priority: Priority | None = None
    cash_to_collect_twd: CashTwd | None = None
    notes: str | None = Field(None, max_length=1000)


class OrderOut(BaseModel):
    """An order as stored (read off its row)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    order_no: str
    customer_name: str
    phone: str
    address: str
    lat: float
    lng: float
    # [start, end] pairs as RFC 3339 strings; a fixed-length list rather than a tuple, whose
    # prefixItems schema some OpenAPI tools cannot read.
    time_windows: list[Annotated[list[str], Field(min_length=2, max_length=2)]]
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
