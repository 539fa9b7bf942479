"""HTTP for the own-fleet terms: `GET /own-fleet`, `PUT /own-fleet`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from sqlalchemy import select

from smartdist.auth.deps import require_roles
from smartdist.auth.tokens import Principal
from smartdist.web.deps import DbSession
from smartdist_delivery_broker.own_fleet.models import OwnFleetSettingRow
from smartdist_delivery_broker.own_fleet.schemas import OwnFleetIn, OwnFleetOut
from smartdist_delivery_broker.own_fleet.service import save_own_fleet_terms, terms_view
from smartdist_delivery_broker.quotes.api import quoting_context

router = APIRouter(tags=["own fleet"])


@router.get("/own-fleet", response_model=OwnFleetOut)
def get_own_fleet(session: DbSession, principal: Annotated[Principal, require_roles("dispatcher", "clerk")]) -> Any:
    """The merchant's own-fleet terms (disabled until set)."""
    return terms_view(session.scalar(select(OwnFleetSettingRow)))


@router.put("/own-fleet", response_model=OwnFleetOut)
def put_own_fleet(
    body: OwnFleetIn, session: DbSession, principal: Annotated[Principal, require_roles("owner")], request: Request
) -> Any:
    """Offer (or stop offering) the merchant's own fleet in quotes, with its fee, reach, COD and hours (owner)."""
    view = terms_view(save_own_fleet_terms(session, body.model_dump()))
    session.commit()  # before the quoting cache forgets the old terms, so it cannot re-read them
    quoting_context(request).forget_terms(str(principal.tenant_id))
    return view
