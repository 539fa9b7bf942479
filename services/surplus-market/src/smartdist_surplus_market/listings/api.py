"""/api/v1/listings: sellers create and publish; anyone reads one or searches nearby."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Query, Request, UploadFile, status
from fastapi.responses import Response

from smartdist.auth import OptionalPrincipal, Principal, require_roles
from smartdist.db import utcnow
from smartdist.pagination import Cursor, Limit, Page
from smartdist.problems import problem_responses
from smartdist.timeparams import parse_bound
from smartdist.web.deps import DbSession, IdempotencyDep, SystemDbSession
from smartdist_surplus_market.config import get_settings
from smartdist_surplus_market.listings import service
from smartdist_surplus_market.listings.schemas import ListingIn, ListingOut, NearbyPage, PhotoOut, PublishIn

# Store clerks list from the shop floor; integrators from the merchant's POS/ERP; the owner always.
SellerStaff = Annotated[Principal, require_roles("clerk", "integrator")]
ListingStatus = Literal["draft", "published", "sold_out", "expired", "withdrawn"]
At = Annotated[str | None, Query(description="RFC 3339 time to price at (default now).", max_length=40)]

router = APIRouter(tags=["listings"])


def root_of(request: Request) -> str:
    return str(request.scope.get("root_path", ""))


def moment(at: str | None) -> datetime:
    # A '+' in a hand-typed query string arrives as a space.
    return parse_bound(at.replace(" ", "+"), "at") if at else utcnow()  # type: ignore[return-value]


@router.post(
    "/listings",
    status_code=status.HTTP_201_CREATED,
    response_model=ListingOut,
    responses=problem_responses(401, 403, 409, 422),
)
def create_listing(
    body: ListingIn, request: Request, session: DbSession, principal: SellerStaff, idem: IdempotencyDep
) -> Any:
    """List goods (published unless a draft is asked for; Idempotency-Key honoured)."""
    if idem.replay is not None:
        return idem.replay
    listing = service.create_listing(session, body, tenant_id=str(principal.tenant_id), created_by=principal.subject)
    return idem.save(201, service.out(session, listing, utcnow(), root_of(request)))


@router.get("/listings", response_model=Page[ListingOut], responses=problem_responses(401, 403, 422))
def list_listings(
    request: Request,
    session: DbSession,
    principal: SellerStaff,
    status: ListingStatus | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ListingOut]:
    """The tenant's listings, newest first, optionally of one status (drafts from the WMS included)."""
    return service.staff_listings(session, status=status, limit=limit, cursor=cursor, root=root_of(request))


@router.get("/listings/nearby", response_model=NearbyPage, responses=problem_responses(422))
def nearby_listings(
    request: Request,
    session: SystemDbSession,
    lat: Annotated[float, Query(ge=-90, le=90, allow_inf_nan=False)],
    lng: Annotated[float, Query(ge=-180, le=180, allow_inf_nan=False)],
    radius_m: Annotated[int, Query(ge=1, le=50_000, description="Search radius in metres.")] = 3000,
    category: Annotated[str | None, Query(max_length=40)] = None,
    mode: Literal["store", "supplier"] | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Cursor = None,
    at: At = None,
) -> NearbyPage:
    """Published, unexpired listings with stock left, nearest first (no token needed)."""
    return service.nearby(
        session,
        lat=lat,
        lng=lng,
        radius_m=radius_m,
        at=moment(at),
        limit=limit,
        cursor=cursor,
        category=category or None,
        mode=mode,
        root=root_of(request),
    )


@router.get("/listings/{listing_id}", response_model=ListingOut, responses=problem_responses(404, 422))
def get_listing(
    listing_id: str,
    request: Request,
    session: SystemDbSession,
    principal: OptionalPrincipal,
    at: At = None,
) -> ListingOut:
    """One listing with its price at ``at`` (no token needed; the seller's staff also see drafts)."""
    when = moment(at)
    staff_tenant = None
    if principal is not None and principal.kind != "consumer" and principal.tenant_id is not None:
        staff_tenant = principal.tenant_id
    listing = service.listing_for(session, listing_id, when, staff_tenant=staff_tenant)
    return service.out(session, listing, when, root_of(request))


@router.post(
    "/listings/{listing_id}/publish", response_model=ListingOut, responses=problem_responses(401, 403, 404, 409, 422)
)
def publish_listing(
    listing_id: str, body: PublishIn, request: Request, session: DbSession, principal: SellerStaff
) -> ListingOut:
    """Publish a draft with what it lacks (list_price, location; optionally title, markdown, floor, window)."""
    listing = service.publish_listing(session, listing_id, body)
    return service.out(session, listing, utcnow(), root_of(request))


@router.post(
    "/listings/{listing_id}/withdraw", response_model=ListingOut, responses=problem_responses(401, 403, 404, 409)
)
def withdraw_listing(listing_id: str, request: Request, session: DbSession, principal: SellerStaff) -> ListingOut:
    """Take a published listing off sale (reservations already made stay)."""
    listing = service.withdraw_listing(session, listing_id)
    return service.out(session, listing, utcnow(), root_of(request))


@router.post(
    "/listings/{listing_id}/photo",
    status_code=status.HTTP_201_CREATED,
    response_model=PhotoOut,
    responses=problem_responses(401, 403, 404, 413, 415, 422),
)
def upload_photo(
    listing_id: str, request: Request, file: Annotated[UploadFile, File()], session: DbSession, principal: SellerStaff
) -> PhotoOut:
    """A photo from the phone: JPEG, PNG or WebP, re-encoded (EXIF and hidden data dropped) with a thumbnail."""
    settings = get_settings()
    data = file.file.read(settings.photo_max_bytes + 1)
    photo = service.attach_photo(
        session, listing_id, data, max_bytes=settings.photo_max_bytes, max_pixels=settings.photo_max_pixels
    )
    base = f"{root_of(request)}/api/v1/listings/{listing_id}/photo"
    return PhotoOut(
        id=photo.id, width=photo.width, height=photo.height, photo_url=base, thumbnail_url=base + "?size=thumbnail"
    )


@router.get(
    "/listings/{listing_id}/photo",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}, "description": "The re-encoded JPEG."}, **problem_responses(404)},
)
def get_photo(
    listing_id: str,
    session: SystemDbSession,
    principal: OptionalPrincipal,
    size: Literal["full", "thumbnail"] = "full",
) -> Response:
    """The listing's photo (no token needed while it is on offer)."""
    staff_tenant = None
    if principal is not None and principal.kind != "consumer" and principal.tenant_id is not None:
        staff_tenant = principal.tenant_id
    data = service.photo_bytes(session, listing_id, thumbnail=size == "thumbnail", staff_tenant=staff_tenant)
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "public, max-age=300"})
