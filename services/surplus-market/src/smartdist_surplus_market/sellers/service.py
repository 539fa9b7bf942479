"""The seller profile of a tenant: created on first use, named by the merchant."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartdist.db import utcnow
from smartdist_surplus_market.listings.models import Listing
from smartdist_surplus_market.listings.schemas import Location
from smartdist_surplus_market.reservations.models import Reservation
from smartdist_surplus_market.sellers.models import Seller
from smartdist_surplus_market.sellers.schemas import SellerIn, SellerOut


def seller_of(session: Session, tenant_id: str) -> Seller:
    seller = session.get(Seller, tenant_id)
    if seller is None:
        seller = Seller(id=tenant_id, tenant_id=tenant_id, name="")
        session.add(seller)
        session.flush()
    return seller


def names_of(session: Session, tenant_ids: Iterable[str]) -> dict[str, str]:
    wanted = sorted(set(tenant_ids))
    if not wanted:
        return {}
    found = dict(session.execute(select(Seller.id, Seller.name).where(Seller.id.in_(wanted))).all())
    return {t: found.get(t) or default_name(t) for t in wanted}


def default_name(tenant_id: str) -> str:
    return f"Store {tenant_id[-6:]}"


def update_seller(session: Session, tenant_id: str, **fields: object) -> Seller:
    seller = seller_of(session, tenant_id)
    for name, value in fields.items():
        if value is not None:
            setattr(seller, name, value)
    seller.updated_at = utcnow()
    session.flush()
    return seller


def rating_of(session: Session, tenant_id: str) -> tuple[float | None, int]:
    """Mean stars and how many ratings the seller's collected orders got."""
    avg, count = session.execute(
        select(func.avg(Reservation.rating), func.count(Reservation.rating)).where(
            Reservation.tenant_id == tenant_id, Reservation.rating.is_not(None)
        )
    ).one()
    return (None if avg is None else round(float(avg), 2)), int(count)


def seller_out(session: Session, tenant_id: str) -> SellerOut:
    seller = session.get(Seller, tenant_id)
    rating, count = rating_of(session, tenant_id)
    if seller is None:
        return SellerOut(
            id=tenant_id,
            name=default_name(tenant_id),
            kind="store",
            phone="",
            address="",
            location=None,
            rating=rating,
            ratings=count,
        )
    location = None if seller.lat is None or seller.lng is None else Location(lat=seller.lat, lng=seller.lng)
    return SellerOut(
        id=seller.id,
        name=seller.name or default_name(tenant_id),
        kind=seller.kind,
        phone=seller.phone,
        address=seller.address,
        location=location,
        rating=rating,
        ratings=count,
    )


def change_seller(session: Session, tenant_id: str, body: SellerIn) -> SellerOut:
    fields = body.model_dump(exclude_unset=True, exclude={"location"})
    if body.location is not None:
        fields.update(lat=body.location.lat, lng=body.location.lng)
    update_seller(session, tenant_id, **fields)
    return seller_out(session, tenant_id)


def exists(session: Session, tenant_id: str) -> bool:
    """A seller is known once it has a profile or has listed anything."""
    if session.get(Seller, tenant_id) is not None:
        return True
    return session.scalar(select(Listing.id).where(Listing.tenant_id == tenant_id).limit(1)) is not None
