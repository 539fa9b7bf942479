"""HTTP for the subsidy ledger: balance and history."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from smartdist.auth.deps import require_roles
from smartdist.auth.tokens import Principal
from smartdist.web.deps import DbSession
from smartdist_delivery_broker.subsidy.schemas import SubsidyOut
from smartdist_delivery_broker.subsidy.service import subsidy_balance

router = APIRouter(tags=["subsidy"])


@router.get("/subsidy", response_model=SubsidyOut)
def get_subsidy(
    session: DbSession,
    principal: Annotated[Principal, require_roles("dispatcher", "clerk")],
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> Any:
    """The merchant's programme subsidy: balance and the newest ledger entries."""
    return SubsidyOut.model_validate(subsidy_balance(session, str(principal.tenant_id), limit))
