"""Edge schemas of favourites and notifications."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class FavouriteIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    seller_id: str = Field(min_length=1, max_length=32, description="The seller's id (listing.seller.id).")


class FavouriteOut(BaseModel):
    seller_id: str
    seller_name: str
    created_at: datetime


class FavouriteList(BaseModel):
    items: list[FavouriteOut]


class NotificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: str
    listing_id: str
    text: str
    created_at: datetime
    read_at: datetime | None


class NotificationList(BaseModel):
    items: list[NotificationOut]
    unread: int


class ReadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[str] = Field(min_length=1, max_length=200)


class ReadOut(BaseModel):
    marked: int
