"""Use cases of listings: create, publish, read at a moment, search nearby, take and give back units."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from smartdist.bus.outbox import publish
from smartdist.db import utcnow
from smartdist.kpi import record
from smartdist.pagination import Page, decode_cursor, encode_cursor, paginate
from smartdist.problems import Unprocessable
from smartdist_surplus_market.favourites.service import notify_favourites
from smartdist_surplus_market.listings import repository
from smartdist_surplus_market.listings.domain import (
    ListingIncomplete,
    ListingNotFound,
    ListingStateConflict,
    is_expired,
    percent_off_at,
    price_at,
    steps_from,
)
from smartdist_surplus_market.listings.geo import cell_of, haversine_m
from smartdist_surplus_market.listings.models import Listing, ListingPhoto
from smartdist_surplus_market.listings.photos import reencode
from smartdist_surplus_market.listings.schemas import (
    ListingIn,
    ListingOut,
    Location,
    NearbyItem,
    NearbyPage,
    PublishIn,
    SellerRef,
)
from smartdist_surplus_market.markdowns import service as markdowns
from smartdist_surplus_market.sellers.models import Seller
from smartdist_surplus_market.sellers.service import default_name, names_of

SERVICE = "surplus-market"
LISTING_PUBLISHED = "smartdist.surplus-market.listing.published"
FIRST_RING_M = 400.0


def current_price(listing: Listing, at: datetime) -> int | None:
    if listing.list_price is None:
        return None
    return price_at(listing.list_price, steps_from(listing.markdown), listing.floor_price, listing.best_before, at)


def status_at(listing: Listing, at: datetime) -> str:
    if listing.status != "published":
        return listing.status
    if is_expired(listing.best_before, at):
        return "expired"
    if listing.quantity <= 0:
        return "sold_out"
    return "published"


def _photo_urls(listing: Listing, root: str) -> tuple[str | None, str | None]:
    if not listing.photo_id:
        return None, None
    base = f"{root}/api/v1/listings/{listing.id}/photo"
    return base, base + "?size=thumbnail"


def listing_out(listing: Listing, at: datetime, *, seller_name: str, root: str = "") -> ListingOut:
    location = None
    if listing.lat is not None and listing.lng is not None:
        location = Location(lat=listing.lat, lng=listing.lng, address=listing.address)
    window = (listing.pickup_start, listing.pickup_end) if listing.pickup_start and listing.pickup_end else None
    photo, thumb = _photo_urls(listing, root)
    return ListingOut(
        id=listing.id,
        title=listing.title,
        mode=listing.mode,
        category=listing.category,
        unit=listing.unit,
        description=listing.description,
        status=status_at(listing, at),
        quantity=listing.quantity,
        initial_quantity=listing.initial_quantity,
        list_price=listing.list_price,
        price=current_price(listing, at),
        percent_off=float(percent_off_at(steps_from(listing.markdown), listing.best_before, at)),
        floor_price=listing.floor_price,
        markdown=list(listing.markdown),
        best_before=listing.best_before,
        location=location,
        pickup_window=window,
        weight_kg=listing.weight_kg,
        surprise_bag=listing.surprise_bag,
        bag_value=listing.bag_value,
        source=listing.source,
        photo_url=photo,
        thumbnail_url=thumb,
        seller=SellerRef(id=listing.tenant_id, name=seller_name),
        created_at=listing.created_at,
        published_at=listing.published_at,
    )


def out(session: Session, listing: Listing, at: datetime, root: str = "") -> ListingOut:
    return listing_out(listing, at, seller_name=names_of(session, [listing.tenant_id])[listing.tenant_id], root=root)


def _place(listing: Listing, location: Location) -> None:
    listing.lat, listing.lng, listing.address = location.lat, location.lng, location.address
    listing.cell = cell_of(location.lat, location.lng)


def _steps(markdown: Sequence[Any]) -> list[dict[str, float]]:
    return [{"hours_before": s.hours_before, "percent_off": s.percent_off} for s in markdown]


def create_listing(session: Session, body: ListingIn, *, tenant_id: str, created_by: str) -> Listing:
    """A listing that leaves ``markdown`` out takes its category's template (markdowns/service.py)."""
    markdown, floor_price = _steps(body.markdown), body.floor_price
    template = None if "markdown" in body.model_fields_set else markdowns.template_for(session, body.category)
    if template is not None:
        markdown = list(template.markdown)
        if floor_price is None:
            floor_price = markdowns.floor_from(template, body.list_price)
    listing = Listing(
        tenant_id=tenant_id,
        title=body.title,
        mode=body.mode,
        category=body.category,
        unit=body.unit,
        description=body.description,
        quantity=body.quantity,
        initial_quantity=body.quantity,
        list_price=body.list_price,
        floor_price=floor_price,
        markdown=markdown,
        best_before=body.best_before,
        weight_kg=body.weight_kg,
        surprise_bag=body.surprise_bag,
        bag_value=body.bag_value,
        status="draft",
        created_by=created_by,
    )
    if body.location is not None:
        _place(listing, body.location)
    if body.pickup_window is not None:
        listing.pickup_start, listing.pickup_end = body.pickup_window
    session.add(listing)
    session.flush()
    if body.status == "published":
        _go_live(session, listing)
    else:
        _record(session, listing, "draft")
    return listing


def create_draft(
    session: Session,
    *,
    tenant_id: str,
    title: str,
    unit: str,
    quantity: int,
    best_before: datetime,
    source: dict[str, Any],
    source_key: str,
    markdown: list[dict[str, float]],
) -> Listing:
    """A draft made for the merchant (from the WMS): priced and placed when it is published."""
    listing = Listing(
        tenant_id=tenant_id,
        title=title,
        mode="store",
        unit=unit,
        quantity=quantity,
        initial_quantity=quantity,
        best_before=best_before,
        markdown=markdown,
        status="draft",
        source=source,
        source_key=source_key,
        created_by=str(source.get("service", "")),
    )
    session.add(listing)
    session.flush()
    _record(session, listing, "draft")
    return listing


def _record(session: Session, listing: Listing, status: str) -> None:
    record(
        session,
        service=SERVICE,
        doc_type="listing",
        doc_no=listing.id,
        status=status,
        sender=listing.tenant_id,
        receiver="market",
        sent_at=listing.created_at,
        quantity=listing.quantity,
        tenant_id=listing.tenant_id,
        title=listing.title,
    )


def _go_live(session: Session, listing: Listing) -> None:
    now = utcnow()
    if is_expired(listing.best_before, now):
        raise ListingStateConflict(
            "best_before has passed; an expired listing cannot be published", code="surplus.listing.expired"
        )
    listing.status = "published"
    listing.published_at = now
    session.flush()
    _record(session, listing, "published")
    view = out(session, listing, now)
    publish(
        session,
        type=LISTING_PUBLISHED,
        subject=listing.id,
        tenant_id=listing.tenant_id,
        data=view.model_dump(mode="json"),
    )
    notify_favourites(
        session,
        tenant_id=listing.tenant_id,
        listing_id=listing.id,
        text=f"{view.seller.name}: {listing.title} NT${view.price}",
        seller=view.seller.name,
        title=listing.title,
        price=view.price,
    )


def get_listing(session: Session, listing_id: str) -> Listing:
    listing = session.get(Listing, listing_id)
    if listing is None:
        raise ListingNotFound(f"No listing {listing_id}.", code="surplus.listing.not_found", params={"id": listing_id})
    return listing


def public_listing(session: Session, listing_id: str, at: datetime) -> Listing:
    """A listing as consumers see it: published and not past best-before, else not found."""
    listing = session.get(Listing, listing_id)
    if listing is None or listing.status != "published" or is_expired(listing.best_before, at):
        raise ListingNotFound(
            f"No listing {listing_id} on offer at {at.isoformat()}.",
            code="surplus.listing.not_on_offer",
            params={"id": listing_id, "at": at.isoformat()},
        )
    return listing


def listing_for(session: Session, listing_id: str, at: datetime, *, staff_tenant: str | None) -> Listing:
    """The seller's own staff see their listing in any state; everyone else only what is on offer."""
    if staff_tenant is not None:
        listing = session.get(Listing, listing_id)
        if listing is not None and listing.tenant_id == staff_tenant:
            return listing
    return public_listing(session, listing_id, at)


def publish_listing(session: Session, listing_id: str, body: PublishIn) -> Listing:
    listing = get_listing(session, listing_id)
    if listing.status not in ("draft", "withdrawn"):
        raise ListingStateConflict(
            f"listing {listing_id} is {listing.status}; only drafts are published",
            code="surplus.listing.not_draft",
            params={"status": listing.status},
        )
    given = body.model_dump(exclude_unset=True)
    for name in ("list_price", "floor_price", "title", "quantity", "category", "weight_kg"):
        if given.get(name) is not None:
            setattr(listing, name, given[name])
    if body.quantity is not None:
        listing.initial_quantity = body.quantity
    if body.markdown is not None:
        listing.markdown = _steps(body.markdown)
    if body.location is not None:
        _place(listing, body.location)
    if body.pickup_window is not None:
        listing.pickup_start, listing.pickup_end = body.pickup_window
    if listing.lat is None:
        # A draft from the warehouse has no place yet: the seller's own, when the profile has one.
        seller = session.get(Seller, listing.tenant_id)
        if seller is not None and seller.lat is not None and seller.lng is not None:
            _place(listing, Location(lat=seller.lat, lng=seller.lng, address=seller.address))
    missing = [name for name, value in (("list_price", listing.list_price), ("location", listing.lat)) if value is None]
    if missing:
        raise ListingIncomplete(
            f"publishing needs {', '.join(missing)}",
            code="surplus.listing.incomplete",
            params={"missing": ", ".join(missing)},
            errors=[
                {"loc": ["body", m], "message": "required to publish", "code": "surplus.required"} for m in missing
            ],
        )
    if listing.floor_price is not None and listing.list_price is not None and listing.floor_price > listing.list_price:
        raise Unprocessable(
            "floor_price is above list_price",
            code="surplus.listing.floor_above_list",
            errors=[
                {"loc": ["body", "floor_price"], "message": "above list_price", "code": "surplus.floor_above_list"}
            ],
        )
    _go_live(session, listing)
    return listing


def withdraw_listing(session: Session, listing_id: str) -> Listing:
    listing = get_listing(session, listing_id)
    if listing.status != "published":
        raise ListingStateConflict(
            f"listing {listing_id} is {listing.status}", code="surplus.listing.state", params={"status": listing.status}
        )
    listing.status = "withdrawn"
    session.flush()
    _record(session, listing, "withdrawn")
    return listing


def staff_listings(
    session: Session, *, status: str | None, limit: int, cursor: str | None, root: str
) -> Page[ListingOut]:
    now = utcnow()
    stmt = select(Listing)
    if status == "expired":
        stmt = stmt.where(Listing.status == "published", Listing.best_before <= now)
    elif status == "sold_out":
        stmt = stmt.where(Listing.status == "published", Listing.best_before > now, Listing.quantity <= 0)
    elif status == "published":
        stmt = stmt.where(Listing.status == "published", Listing.best_before > now, Listing.quantity > 0)
    elif status is not None:
        stmt = stmt.where(Listing.status == status)
    tenant = session.info.get("smartdist.tenant_id")
    name = names_of(session, [tenant])[tenant] if tenant else ""
    return paginate(
        session,
        stmt,
        Listing.id,
        limit=limit,
        cursor=cursor,
        descending=True,
        serialize=lambda row: listing_out(row, now, seller_name=name, root=root),
    )


def nearby(
    session: Session,
    *,
    lat: float,
    lng: float,
    radius_m: float,
    at: datetime,
    limit: int,
    cursor: str | None,
    category: str | None = None,
    mode: str | None = None,
    root: str = "",
) -> NearbyPage:
    """Nearest first by whole metres, then id; the cursor is the last item's (distance, id)."""
    after: tuple[int, str] | None = None
    if cursor:
        last = decode_cursor(cursor)
        if not (isinstance(last, list) and len(last) == 2 and isinstance(last[0], int) and isinstance(last[1], str)):
            raise Unprocessable(
                "cursor is not one this API gave out",
                code="pagination.cursor",
                errors=[{"loc": ["query", "cursor"], "message": "invalid cursor", "code": "pagination.cursor"}],
            )
        after = (last[0], last[1])
    # Rings from near to far: once a ring holds more than a page, nothing outside it can be
    # among the nearest, so a dense city centre reads a few hundred rows, not the whole radius.
    reach = min(float(radius_m), (after[0] if after else 0) + FIRST_RING_M)
    while True:
        found: list[tuple[int, str]] = []
        for candidate in repository.live_candidates(
            session, lat=lat, lng=lng, radius_m=reach, at=at, category=category, mode=mode
        ):
            row_id, row_lat, row_lng = candidate[0], candidate[1], candidate[2]
            metres = haversine_m(lat, lng, row_lat, row_lng)
            if metres > reach:
                continue
            key = (int(metres + 0.5), row_id)
            if after is None or key > after:
                found.append(key)
        found.sort()
        # Done when the ring holds a page and one more, all a metre inside it (rounding to whole
        # metres cannot then put a row from outside the ring before them), or at the radius.
        if (len(found) > limit and found[limit][0] + 1 < reach) or reach >= radius_m:
            break
        reach = min(float(radius_m), reach * 2)
    page = found[: limit + 1]
    more = len(page) > limit
    page = page[:limit]
    rows = repository.page_rows(session, [i for _, i in page])
    items = []
    for metres, row_id in page:
        row = rows[row_id]
        steps = steps_from(row.markdown)
        thumb = f"{root}/api/v1/listings/{row.id}/photo?size=thumbnail" if row.photo_id else None
        window = (row.pickup_start, row.pickup_end) if row.pickup_start and row.pickup_end else None
        items.append(
            NearbyItem(
                id=row.id, title=row.title,
                price=price_at(row.list_price, steps, row.floor_price, row.best_before, at),
                list_price=row.list_price, percent_off=float(percent_off_at(steps, row.best_before, at)),
                quantity=row.quantity, distance_m=metres, unit=row.unit, category=row.category, mode=row.mode,
                best_before=row.best_before, lat=row.lat, lng=row.lng, pickup_window=window, thumbnail_url=thumb,
                surprise_bag=bool(row.surprise_bag), bag_value=row.bag_value,
                seller=SellerRef(id=row.tenant_id, name=row.seller_name or default_name(row.tenant_id)),
            )
        )  # fmt: skip
    return NearbyPage(items=items, next_cursor=encode_cursor(list(page[-1])) if more and page else None)


def take_units(session: Session, listing_id: str, quantity: int, at: datetime) -> bool:
    """One conditional UPDATE: of concurrent reservations only as many as there are units succeed."""
    result = session.execute(
        update(Listing)
        .where(
            Listing.id == listing_id,
            Listing.status == "published",
            Listing.best_before > at,
            Listing.quantity >= quantity,
        )
        .values(quantity=Listing.quantity - quantity)
        .execution_options(synchronize_session=False)
    )
    taken = bool(result.rowcount)  # type: ignore[attr-defined]
    if taken:
        listing = session.get(Listing, listing_id)
        if listing is not None:
            session.refresh(listing, ["quantity"])
    return taken


def give_back_units(session: Session, listing_id: str, quantity: int, at: datetime) -> bool:
    """Units of a cancelled reservation return to sale, unless the listing has expired meanwhile."""
    result = session.execute(
        update(Listing)
        .where(Listing.id == listing_id, Listing.best_before > at)
        .values(quantity=Listing.quantity + quantity)
        .execution_options(synchronize_session=False)
    )
    returned = bool(result.rowcount)  # type: ignore[attr-defined]
    if returned:
        listing = session.get(Listing, listing_id)
        if listing is not None:
            session.refresh(listing, ["quantity"])
    return returned


def attach_photo(session: Session, listing_id: str, data: bytes, *, max_bytes: int, max_pixels: int) -> ListingPhoto:
    """Replace the listing's photo with a re-encoded copy of the upload."""
    listing = get_listing(session, listing_id)
    photo = reencode(data, max_bytes=max_bytes, max_pixels=max_pixels)
    row = ListingPhoto(
        tenant_id=listing.tenant_id,
        listing_id=listing.id,
        image=photo.image,
        thumbnail=photo.thumbnail,
        width=photo.width,
        height=photo.height,
    )
    session.add(row)
    session.flush()
    listing.photo_id = row.id
    session.flush()
    return row


def photo_bytes(session: Session, listing_id: str, *, thumbnail: bool, staff_tenant: str | None) -> bytes:
    """The photo of a listing on offer (or of the caller's own listing in any state)."""
    listing = listing_for(session, listing_id, utcnow(), staff_tenant=staff_tenant)
    row = session.get(ListingPhoto, listing.photo_id) if listing.photo_id else None
    if row is None:
        raise ListingNotFound(f"listing {listing_id} has no photo", code="surplus.listing.no_photo")
    return row.thumbnail if thumbnail else row.image
