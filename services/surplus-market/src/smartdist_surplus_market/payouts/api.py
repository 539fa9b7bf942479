"""/api/v1/payouts: the seller's captured takings net of the platform's fees."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from smartdist.auth import Principal, require_roles
from smartdist.problems import problem_responses
from smartdist.timeparams import parse_bound
from smartdist.web.deps import DbSession
from smartdist_surplus_market.config import get_settings
from smartdist_surplus_market.payouts import service
from smartdist_surplus_market.payouts.schemas import ImpactReport, PayoutStatement

Owner = Annotated[Principal, require_roles("owner")]
Staff = Annotated[Principal, require_roles("clerk", "integrator")]
router = APIRouter(tags=["payouts"])


@router.get("/payouts", response_model=PayoutStatement, responses=problem_responses(401, 403, 422))
def payout_statement(
    session: DbSession,
    principal: Owner,
    from_: Annotated[str | None, Query(alias="from", max_length=40)] = None,
    to: Annotated[str | None, Query(max_length=40)] = None,
) -> PayoutStatement:
    """Gross, fees and net payout of orders captured between ``from`` and ``to`` (dates or RFC 3339)."""
    return service.statement(
        session,
        start=parse_bound(from_, "from"),
        end=parse_bound(to, "to", end=True),
        fee_percent=get_settings().service_fee_percent,
    )


@router.get("/impact", response_model=ImpactReport, responses=problem_responses(401, 403, 422))
def impact_report(
    request: Request,
    session: DbSession,
    principal: Staff,
    from_: Annotated[str | None, Query(alias="from", max_length=40)] = None,
    to: Annotated[str | None, Query(max_length=40)] = None,
) -> ImpactReport:
    """Goods saved from the bin: kg, kg CO2e avoided (2.06 per kg by default), revenue recovered."""
    factor = request.app.state.runtime.carbon.food_waste_kg_per_kg
    return service.impact(
        session, start=parse_bound(from_, "from"), end=parse_bound(to, "to", end=True), co2e_per_kg=float(factor)
    )
