"""HTTP for the own-fleet terms: `GET /own-fleet`, `PUT /own-fleet`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request

from smartdist.auth.deps import require_roles
from smartdist.auth.tokens import Principal
from smartdist.web.deps import DbSession, get_runtime
from smartdist_delivery_broker.own_fleet.domain import OwnFleetTerms
from smartdist_delivery_broker.own_fleet.schemas import OwnFleetIn, OwnFleetOut
from smartdist_delivery_broker.own_fleet.service import get_terms, set_terms
from smartdist_delivery_broker.quotes.service import context_for

router = APIRouter(tags=["own fleet"])


@router.get("/own-fleet", response_model=OwnFleetOut)
def get_own_fleet(session: DbSession, principal: Annotated[Principal, require_roles("dispatcher", "clerk")]) -> Any:
    """The merchant's own-fleet terms (disabled until set)."""
    row = get_terms(session)
    return OwnFleetOut() if row is None else OwnFleetOut.model_validate(row)


@router.put("/own-fleet", response_model=OwnFleetOut)
def put_own_fleet(
    body: OwnFleetIn, session: DbSession, principal: Annotated[Principal, require_roles("owner")], request: Request
) -> Any:
    """Offer (or stop offering) the merchant's own fleet in quotes, with its fee, reach, COD and hours (owner)."""
    view = OwnFleetOut.model_validate(set_terms(session, OwnFleetTerms(**body.model_dump())))
    session.commit()  # before the quoting cache forgets the old terms, so it cannot re-read them
    context_for(request.app.state, get_runtime(request)).forget_terms(str(principal.tenant_id))
    return view
