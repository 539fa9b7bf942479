"""Response models of the subsidy ledger."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer


def _iso(value: datetime) -> str:
    return value.isoformat()


class SubsidyEntryOut(BaseModel):
    """One ledger entry, read from its row."""

    model_config = ConfigDict(from_attributes=True)

    booking_ref: str = Field(description="The delivery the entry is for.")
    kind: str = Field(description="charge | release")
    delivery_fee: int = Field(description="TWD.")
    cod_fee: int = Field(description="TWD.")
    amount: int = Field(description="TWD taken from the balance (negative for a release).")
    balance_after: int = Field(description="TWD left after the entry.")
    at: Annotated[datetime, PlainSerializer(_iso, return_type=str)]


class SubsidyOut(BaseModel):
    """The balance with the newest entries, read from the service's `SubsidyBalance`."""

    model_config = ConfigDict(from_attributes=True)

    cap: int = Field(description="The programme subsidy, TWD.")
    spent: int = Field(description="TWD spent so far.")
    remaining: int = Field(description="TWD left.")
    entries: list[SubsidyEntryOut]
