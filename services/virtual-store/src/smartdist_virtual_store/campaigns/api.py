"""/api/v1/campaigns (staff), /campaigns/{id}/claims and /wallet (consumers)."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Request, Response, status

from smartdist.auth import CurrentPrincipal, Principal, require_roles
from smartdist.idempotency import Idempotency
from smartdist.pagination import Cursor, Limit, Page, paginate
from smartdist.problems import Forbidden, problem_responses
from smartdist.web.deps import DbSession, IdempotencyDep, Runtime, SystemDbSession
from smartdist_virtual_store.campaigns import repository, service
from smartdist_virtual_store.campaigns.models import Campaign
from smartdist_virtual_store.campaigns.schemas import CampaignIn, CampaignOut, CampaignPatch, ClaimOut, WalletCoupon

Staff = Annotated[Principal, require_roles("clerk", "integrator")]
CampaignId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="The campaign's id.")]

router = APIRouter(tags=["campaigns"])


def consumer_principal(principal: CurrentPrincipal) -> Principal:
    """A shopper's token (console: POST /api/v1/auth/consumers/token), not a merchant's."""
    if principal.kind != "consumer":
        raise Forbidden("Coupons are claimed with a consumer's token.", code="virtual.coupon.consumers_only")
    return principal


Consumer = Annotated[Principal, Depends(consumer_principal)]


@router.post(
    "/campaigns",
    status_code=status.HTTP_201_CREATED,
    response_model=CampaignOut,
    responses=problem_responses(401, 403, 409, 422),
)
def create_campaign(body: CampaignIn, session: DbSession, principal: Staff, idem: IdempotencyDep) -> Any:
    """Create a coupon campaign: amount or percent off, minimum spend, window, limits (Idempotency-Key honoured)."""
    if idem.replay is not None:
        return idem.replay
    campaign = service.create_campaign(session, body)
    return idem.save(201, CampaignOut.model_validate(campaign))


@router.get("/campaigns", response_model=Page[CampaignOut])
def list_campaigns(session: DbSession, principal: Staff, limit: Limit = 50, cursor: Cursor = None) -> Page[CampaignOut]:
    """The tenant's campaigns, newest first."""
    return paginate(
        session,
        repository.campaigns(),
        Campaign.id,
        limit=limit,
        cursor=cursor,
        descending=True,
        serialize=CampaignOut.model_validate,
    )


@router.get("/campaigns/{campaign_id}", response_model=CampaignOut)
def get_campaign(campaign_id: CampaignId, session: DbSession, principal: Staff) -> CampaignOut:
    """One campaign with its claim count."""
    return CampaignOut.model_validate(service.get_campaign(session, campaign_id))


@router.patch(
    "/campaigns/{campaign_id}",
    response_model=CampaignOut,
    responses=problem_responses(401, 403, 404, 409, 422),
)
def edit_campaign(campaign_id: CampaignId, body: CampaignPatch, session: DbSession, principal: Staff) -> CampaignOut:
    """Change a running or scheduled campaign: name, description, minimum spend, end, limits; 409 once ended."""
    return CampaignOut.model_validate(service.edit_campaign(session, campaign_id, body))


@router.post(
    "/campaigns/{campaign_id}/end",
    response_model=CampaignOut,
    responses=problem_responses(401, 403, 404, 409),
)
def end_campaign(campaign_id: CampaignId, session: DbSession, principal: Staff) -> CampaignOut:
    """End the campaign now: from this answer on no coupon is claimed or redeemed (claimed ones expire)."""
    return CampaignOut.model_validate(service.end_campaign(session, campaign_id))


@router.post(
    "/campaigns/{campaign_id}/claims",
    status_code=status.HTTP_201_CREATED,
    response_model=ClaimOut,
    responses={409: {"description": "outside the campaign's window or past a limit"}},
)
def claim_coupon(
    campaign_id: CampaignId,
    request: Request,
    principal: Consumer,
    runtime: Runtime,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None,
) -> Any:
    """Claim a coupon of a campaign into the consumer's wallet (Idempotency-Key honoured)."""
    # Looked up and let go first: on SQLite a second open transaction would wait on this one's lock.
    with runtime.database.system_transaction() as system:
        tenant_id = service.campaign_tenant(system, campaign_id)
    # The consumer carries no tenant: the campaign's tenant owns the coupon and its transaction.
    with runtime.database.tenant_transaction(tenant_id) as session:
        # Keys are per tenant; two shoppers may pick the same one, so it is made the consumer's own.
        key = None
        if idempotency_key:
            key = "consumer:" + hashlib.sha256(f"{principal.subject}\n{idempotency_key}".encode()).hexdigest()
        idem = Idempotency(session, key, f"POST {request.url.path}", b"")
        if idem.replay is not None:
            return idem.replay
        claim = service.claim_coupon(session, campaign_id, principal.subject)
        return idem.save(201, claim)


@router.get("/wallet", response_model=list[WalletCoupon])
def my_wallet(principal: Consumer, system: SystemDbSession) -> list[WalletCoupon]:
    """The consumer's coupons at every shop, newest first."""
    return service.wallet(system, principal.subject)


@router.get(
    "/wallet/coupons/{coupon_id}/{kind}.svg",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}, "description": "the code as QR or Code 128 barcode"}},
)
def coupon_code_image(
    coupon_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")],
    kind: Annotated[str, Path(pattern=r"^(qr|barcode)$")],
    principal: Consumer,
    system: SystemDbSession,
) -> Response:
    """One of the consumer's coupons drawn as a QR code or a Code 128 barcode for the counter's scanner."""
    code = service.wallet_code(system, principal.subject, coupon_id)
    return Response(
        service.code_image(code, kind),
        media_type="image/svg+xml",
        headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"},
    )
