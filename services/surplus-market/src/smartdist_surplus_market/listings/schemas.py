"""Edge schemas of listings: strict input (extra="forbid"), plain output."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

TAIPEI = ZoneInfo("Asia/Taipei")
MAX_PRICE = 1_000_000
MAX_QUANTITY = 100_000


def end_of_day(day: date) -> datetime:
    """A best-before date means the end of that day in Taipei (00:00 of the next day)."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=TAIPEI)


def _moment(value: Any) -> Any:
    """A bare date is the end of that day; a time without an offset is Taipei time."""
    if isinstance(value, str) and len(value) == 10:
        try:
            return end_of_day(date.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, date) and not isinstance(value, datetime):
        return end_of_day(value)
    return value


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=TAIPEI)


Moment = Annotated[datetime, BeforeValidator(_moment), AfterValidator(_aware)]
Price = Annotated[int, Field(ge=0, le=MAX_PRICE, description="Whole TWD.")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Location(Strict):
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    lng: float = Field(ge=-180, le=180, allow_inf_nan=False)
    address: str = Field("", max_length=400)


class MarkdownStepIn(Strict):
    hours_before: float = Field(
        ge=0, le=8760, allow_inf_nan=False, description="From this many hours before best-before."
    )
    percent_off: float = Field(ge=0, le=100, allow_inf_nan=False, description="Percent off the list price.")


def _window(window: tuple[datetime, datetime]) -> tuple[datetime, datetime]:
    start, end = window
    if end <= start:
        raise ValueError("error.surplus.window_order")
    return window


PickupWindow = Annotated[tuple[Moment, Moment], AfterValidator(_window)]
Markdown = Annotated[list[MarkdownStepIn], Field(max_length=24)]


def _floor_check(list_price: int | None, floor_price: int | None) -> None:
    if list_price is not None and floor_price is not None and floor_price > list_price:
        raise ValueError("error.surplus.floor_above_list")


def _bag_check(surprise_bag: bool, bag_value: int | None, list_price: int | None) -> None:
    if surprise_bag and bag_value is None:
        raise ValueError("error.surplus.bag_needs_value")
    if not surprise_bag and bag_value is not None:
        raise ValueError("error.surplus.value_needs_bag")
    if bag_value is not None and list_price is not None and bag_value < list_price:
        raise ValueError("error.surplus.bag_value_below_price")


class ListingIn(Strict):
    title: str = Field(min_length=1, max_length=200)
    mode: Literal["store", "supplier"] = "store"
    category: str = Field("", max_length=40)
    unit: str = Field(min_length=1, max_length=20, description="bag, bottle, piece; box, dozen for case lots")
    quantity: int = Field(ge=1, le=MAX_QUANTITY)
    list_price: Price | None = Field(None, description="Required unless the listing is a draft.")
    best_before: Moment
    location: Location | None = Field(None, description="Required unless the listing is a draft.")
    pickup_window: PickupWindow | None = None
    markdown: Markdown = Field(default_factory=list)
    floor_price: Price | None = None
    status: Literal["published", "draft"] = "published"
    description: str = Field("", max_length=2000)
    weight_kg: float = Field(0.0, ge=0, le=10_000, allow_inf_nan=False, description="Per unit, for the impact report.")
    surprise_bag: bool = Field(
        False, description="Contents unknown to the buyer (the description may hint); needs bag_value."
    )
    bag_value: Price | None = Field(
        None, description="Surprise bags: what the contents are worth at least (TWD), at or above list_price."
    )

    @model_validator(mode="after")
    def _publishable(self) -> ListingIn:
        if self.status == "published":
            missing = [f for f in ("list_price", "location") if getattr(self, f) is None]
            if missing:
                raise ValueError("error.surplus.publish_needs_" + "_and_".join(missing))
        _floor_check(self.list_price, self.floor_price)
        _bag_check(self.surprise_bag, self.bag_value, self.list_price)
        return self


class PublishIn(Strict):
    """What a draft lacks; anything given replaces the draft's value."""

    list_price: Price | None = None
    location: Location | None = None
    title: str | None = Field(None, min_length=1, max_length=200)
    markdown: Markdown | None = None
    floor_price: Price | None = None
    pickup_window: PickupWindow | None = None
    quantity: int | None = Field(None, ge=1, le=MAX_QUANTITY)
    category: str | None = Field(None, max_length=40)
    weight_kg: float | None = Field(None, ge=0, le=10_000, allow_inf_nan=False)


class SellerRef(BaseModel):
    id: str
    name: str


class ListingOut(BaseModel):
    id: str
    title: str
    mode: str
    category: str
    unit: str
    description: str
    status: str = Field(description="draft, published, sold_out, expired or withdrawn (at the time asked)")
    quantity: int = Field(description="What is left to reserve.")
    initial_quantity: int
    list_price: int | None
    price: int | None = Field(description="The markdown price at the time asked (TWD).")
    percent_off: float
    floor_price: int | None
    markdown: list[dict[str, float]]
    best_before: datetime
    location: Location | None
    pickup_window: tuple[datetime, datetime] | None
    weight_kg: float
    surprise_bag: bool
    bag_value: int | None = Field(description="Surprise bags: what the contents are worth at least (TWD).")
    source: dict[str, Any] | None
    photo_url: str | None
    thumbnail_url: str | None
    seller: SellerRef
    created_at: datetime
    published_at: datetime | None


class NearbyItem(BaseModel):
    id: str
    title: str
    price: int
    list_price: int
    percent_off: float
    quantity: int
    distance_m: int
    unit: str
    category: str
    mode: str
    best_before: datetime
    lat: float
    lng: float
    pickup_window: tuple[datetime, datetime] | None
    thumbnail_url: str | None
    surprise_bag: bool = False
    bag_value: int | None = None
    seller: SellerRef


class NearbyPage(BaseModel):
    items: list[NearbyItem]
    next_cursor: str | None = None


class PhotoOut(BaseModel):
    id: str
    width: int
    height: int
    photo_url: str
    thumbnail_url: str
