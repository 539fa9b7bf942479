"""/api/v1/seller (the merchant's own profile) and /api/v1/sellers/{id} (public, with ratings)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from smartdist.auth import Principal, require_roles
from smartdist.problems import NotFound, problem_responses
from smartdist.web.deps import DbSession, SystemDbSession
from smartdist_surplus_market.sellers import service
from smartdist_surplus_market.sellers.schemas import SellerIn, SellerOut

SellerStaff = Annotated[Principal, require_roles("clerk", "integrator")]
router = APIRouter(tags=["sellers"])


@router.get("/seller", response_model=SellerOut, responses=problem_responses(401, 403))
def my_seller(session: DbSession, principal: SellerStaff) -> SellerOut:
    """The merchant's profile as consumers see it."""
    return service.seller_out(session, str(principal.tenant_id))


@router.put("/seller", response_model=SellerOut, responses=problem_responses(401, 403, 422))
def change_my_seller(body: SellerIn, session: DbSession, principal: SellerStaff) -> SellerOut:
    """Name, kind, phone, address and default place of the merchant's listings."""
    return service.change_seller(session, str(principal.tenant_id), body)


@router.get("/sellers/{seller_id}", response_model=SellerOut, responses=problem_responses(404))
def public_seller(seller_id: str, session: SystemDbSession) -> SellerOut:
    """A seller's public profile and rating (no token needed)."""
    if not service.exists(session, seller_id):
        raise NotFound(f"No seller {seller_id}.", code="surplus.seller.not_found", params={"id": seller_id})
    return service.seller_out(session, seller_id)
