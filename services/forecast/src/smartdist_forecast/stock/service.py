"""Use cases of the stock counts: list them, and keep the latest one an event reports."""

from __future__ import annotations

from datetime import UTC

from sqlalchemy.orm import Session

from smartdist.db import utcnow
from smartdist.pagination import Page, paginate
from smartdist_forecast.stock import repository
from smartdist_forecast.stock.levels import StockCount
from smartdist_forecast.stock.models import StockLevel
from smartdist_forecast.stock.schemas import StockLevelOut


def list_stock(
    session: Session, store: str | None, sku: str | None, limit: int, cursor: str | None
) -> Page[StockLevelOut]:
    return paginate(
        session,
        repository.stock_levels(store, sku),
        StockLevel.id,
        limit=limit,
        cursor=cursor,
        serialize=StockLevelOut.model_validate,
    )


def store_counts(session: Session) -> dict[tuple[str, str], float]:
    """The latest on-hand count per (store, sku) of the shops."""
    return repository.store_counts(session)


def keep_latest(session: Session, count: StockCount, event_id: str) -> None:
    """Keep the latest count per tenant, store and SKU: last write wins by ``at``, not by arrival."""
    at = count.at.astimezone(UTC)
    row = repository.stock_level(session, count.store, count.sku)
    if row is None:
        session.add(
            StockLevel(
                store=count.store,
                sku=count.sku,
                on_hand=count.on_hand,
                at=at,
                location_kind=count.location_kind,
                event_id=event_id[:100],
                updated_at=utcnow(),
            )
        )
    elif at > row.at:
        row.on_hand, row.at, row.location_kind = count.on_hand, at, count.location_kind
        row.event_id, row.updated_at = event_id[:100], utcnow()
    # else: an older or equal count arrived late (or twice); the newer one stays.
    session.flush()
