"""The seller profile of a tenant: created on first use, named by the merchant."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartdist.db import utcnow
from smartdist_surplus_market.sellers.models import Seller


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
