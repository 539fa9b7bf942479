"""Favourite sellers and the in-app notices a consumer gets when one of them lists something."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smartdist.db import utcnow
from smartdist_surplus_market.favourites.models import Favourite, Notification
from smartdist_surplus_market.favourites.schemas import FavouriteOut
from smartdist_surplus_market.push import service as push
from smartdist_surplus_market.sellers import service as sellers


def add_favourite(session: Session, *, consumer_id: str, seller_id: str) -> Favourite:
    """Idempotent: favouriting a seller twice keeps one favourite."""
    existing = session.scalar(
        select(Favourite).where(Favourite.tenant_id == seller_id, Favourite.consumer_id == consumer_id)
    )
    if existing is not None:
        return existing
    favourite = Favourite(tenant_id=seller_id, consumer_id=consumer_id)
    try:
        with session.begin_nested():
            session.add(favourite)
            session.flush()
    except IntegrityError:  # the same consumer tapped twice at once
        found = session.scalar(
            select(Favourite).where(Favourite.tenant_id == seller_id, Favourite.consumer_id == consumer_id)
        )
        assert found is not None
        return found
    return favourite


def remove_favourite(session: Session, *, consumer_id: str, seller_id: str) -> bool:
    favourite = session.scalar(
        select(Favourite).where(Favourite.tenant_id == seller_id, Favourite.consumer_id == consumer_id)
    )
    if favourite is None:
        return False
    session.delete(favourite)
    session.flush()
    return True


def favourites_of(session: Session, consumer_id: str) -> Sequence[Favourite]:
    return session.scalars(
        select(Favourite).where(Favourite.consumer_id == consumer_id).order_by(Favourite.created_at)
    ).all()


def notify_favourites(
    session: Session,
    *,
    tenant_id: str,
    listing_id: str,
    text: str,
    seller: str = "",
    title: str = "",
    price: int | None = None,
) -> int:
    """One in-app notice per consumer who favours the seller (in the seller's own transaction), and
    a Web Push job for those of them with a subscribed browser (sent after the commit)."""
    fans = session.scalars(select(Favourite.consumer_id).where(Favourite.tenant_id == tenant_id)).all()
    session.add_all(
        Notification(tenant_id=tenant_id, consumer_id=c, kind="listing_published", listing_id=listing_id, text=text)
        for c in fans
    )
    session.flush()
    push.queue_listing_push(
        session, consumer_ids=fans, listing_id=listing_id, seller=seller, title=title or text, price=price
    )
    return len(fans)


def notifications_of(session: Session, consumer_id: str, *, unread_only: bool, limit: int) -> Sequence[Notification]:
    stmt = select(Notification).where(Notification.consumer_id == consumer_id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return session.scalars(stmt.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)).all()


def mark_read(session: Session, consumer_id: str, ids: Sequence[str]) -> int:
    result = session.execute(
        update(Notification)
        .where(Notification.consumer_id == consumer_id, Notification.id.in_(list(ids)), Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def unread_count(session: Session, consumer_id: str) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.consumer_id == consumer_id, Notification.read_at.is_(None))
        )
        or 0
    )


def seller_known(session: Session, seller_id: str) -> bool:
    return sellers.exists(session, seller_id)


def favourite_out(session: Session, favourite: Favourite) -> FavouriteOut:
    name = sellers.names_of(session, [favourite.tenant_id])[favourite.tenant_id]
    return FavouriteOut(seller_id=favourite.tenant_id, seller_name=name, created_at=favourite.created_at)
