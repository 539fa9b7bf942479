"""HTTP for the subsidy ledger: balance and history."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from smartdist.auth.deps import require_roles
from smartdist.auth.tokens import Principal
from smartdist.web.deps import DbSession
from smartdist_delivery_broker.subsidy.service import subsidy_account, subsidy_history

router = APIRouter(tags=["subsidy"])


class SubsidyEntryOut(BaseModel):
    booking_ref: str
    kind: str = Field(description="charge | release")
    delivery_fee: int
    cod_fee: int
    amount: int = Field(description="TWD taken from the balance (negative for a release).")
    balance_after: int
    at: str


class SubsidyOut(BaseModel):
    cap: int = Field(description="The programme subsidy, TWD.")
    spent: int
    remaining: int
    entries: list[SubsidyEntryOut]


@router.get("/subsidy", response_model=SubsidyOut)
def get_subsidy(
    session: DbSession,
    principal: Annotated[Principal, require_roles("dispatcher", "clerk")],
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> dict[str, Any]:
    """The merchant's programme subsidy: balance and the newest ledger entries."""
    tenant_id = str(principal.tenant_id)
    account = subsidy_account(session, tenant_id)
    return {
        "cap": account.cap,
        "spent": account.spent,
        "remaining": account.cap - account.spent,
        "entries": [
            {
                "booking_ref": e.booking_ref,
                "kind": e.kind,
                "delivery_fee": e.delivery_fee,
                "cod_fee": e.cod_fee,
                "amount": e.amount,
                "balance_after": e.balance_after,
                "at": e.at.isoformat(),
            }
            for e in subsidy_history(session, tenant_id, limit)
        ],
    }
