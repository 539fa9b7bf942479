"""/api/v1/redemptions: the clerk redeems a scanned code, reads it back, reverses it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, status

from smartdist.auth import Principal, require_roles
from smartdist.web.deps import DbSession, IdempotencyDep, IntId
from smartdist_virtual_store.redemptions import service
from smartdist_virtual_store.redemptions.schemas import RedemptionIn, RedemptionOut

Clerk = Annotated[Principal, require_roles("clerk", "integrator")]

router = APIRouter(tags=["redemptions"])


@router.post(
    "/redemptions",
    status_code=status.HTTP_201_CREATED,
    response_model=RedemptionOut,
    responses={409: {"description": "already redeemed or expired"}, 422: {"description": "spend below min_spend"}},
)
def redeem(body: RedemptionIn, session: DbSession, principal: Clerk, idem: IdempotencyDep) -> Any:
    """Redeem a coupon code against a spend: exactly once, even when scanned twice at the same moment."""
    if idem.replay is not None:
        return idem.replay
    redemption = service.redeem_coupon(
        session, body.code, body.spend, clerk=principal.subject, customer_ref=body.customer_ref
    )
    return idem.save(201, service.redemption_out(redemption))


@router.get("/redemptions/{redemption_id}", response_model=RedemptionOut)
def get_redemption(redemption_id: IntId, session: DbSession, principal: Clerk) -> RedemptionOut:
    """One redemption."""
    return service.redemption_out(service.find_redemption(session, redemption_id))


@router.post(
    "/redemptions/{redemption_id}/reversal",
    response_model=RedemptionOut,
    responses={409: {"description": "already reversed"}},
)
def reverse(redemption_id: IntId, session: DbSession, principal: Clerk, idem: IdempotencyDep) -> Any:
    """Reverse a redemption: the coupon goes back to the customer's wallet (Idempotency-Key honoured)."""
    if idem.replay is not None:
        return idem.replay
    redemption = service.reverse_redemption(session, redemption_id, clerk=principal.subject)
    return idem.save(200, service.redemption_out(redemption))
