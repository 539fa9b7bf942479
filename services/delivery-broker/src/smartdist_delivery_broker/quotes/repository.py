"""Quote sets in the database: written when quoted, read when booked, booked once.

A booking may reach another worker, or come after a restart, than the quote it books; the
stored set (with each quote's expiry and the platform's own quote references) is what it is
checked against. Rows stay after expiry, so a late booking is told the quote *expired* rather
than that it never existed; `prune_quote_sets` drops them a day later.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, delete, insert, select, text, update
from sqlalchemy.orm import Session

from smartdist.db import Database
from smartdist_delivery_broker.adapters.port import Place, TripRequest
from smartdist_delivery_broker.pricing import Reason
from smartdist_delivery_broker.quotes.domain import ProviderQuote, QuoteSet
from smartdist_delivery_broker.quotes.models import QuoteSetRow

KEEP_EXPIRED = timedelta(days=1)


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _parse(value: Any) -> datetime | None:
    return None if value in (None, "") else datetime.fromisoformat(str(value))


def _place(doc: dict[str, Any]) -> Place:
    return Place(float(doc["lat"]), float(doc["lng"]), str(doc.get("address") or ""))


def quote_set_row(tenant_id: str, quote_set: QuoteSet) -> QuoteSetRow:
    trip = quote_set.trip
    trip_doc: dict[str, Any] = {}
    if trip is not None:
        trip_doc = {
            "pickup": {"lat": trip.pickup.lat, "lng": trip.pickup.lng, "address": trip.pickup.address},
            "dropoff": {"lat": trip.dropoff.lat, "lng": trip.dropoff.lng, "address": trip.dropoff.address},
            "distance_m": trip.distance_m,
            "cod_amount": trip.cod_amount,
            "scheduled_at": _time(trip.scheduled_at),
        }
    quotes = []
    for q in quote_set.quotes:
        doc = asdict(q)
        doc["expires_at"] = _time(q.expires_at)
        doc["platform_stop_refs"] = list(q.platform_stop_refs)
        doc["reasons"] = [{"code": r.code, "params": dict(r.params), "text": r.text} for r in q.reasons]
        quotes.append(doc)
    return QuoteSetRow(
        id=quote_set.quote_set_id,
        tenant_id=tenant_id,
        distance_m=quote_set.distance_m,
        cod_amount=quote_set.cod_amount,
        recommended=quote_set.recommended,
        created_at=quote_set.created_at,
        expires_at=quote_set.expires_at,
        trip=trip_doc,
        quotes=quotes,
    )


def quote_set_from_row(row: QuoteSetRow) -> QuoteSet:
    quotes = tuple(
        ProviderQuote(
            **{
                **q,
                "expires_at": _parse(q.get("expires_at")),
                "fee_breakdown": {k: int(v) for k, v in q["fee_breakdown"].items()},
                "platform_stop_refs": tuple(q.get("platform_stop_refs") or ()),
                "reasons": tuple(
                    Reason(str(r.get("code", "")), dict(r.get("params") or {}), str(r.get("text", "")))
                    for r in q.get("reasons") or ()
                    if isinstance(r, dict)
                ),
            }
        )
        for q in row.quotes
    )
    trip = None
    if row.trip:
        trip = TripRequest(
            pickup=_place(row.trip["pickup"]),
            dropoff=_place(row.trip["dropoff"]),
            distance_m=int(row.trip["distance_m"]),
            cod_amount=int(row.trip["cod_amount"]),
            scheduled_at=_parse(row.trip.get("scheduled_at")),
        )
    return QuoteSet(
        distance_m=row.distance_m,
        cod_amount=row.cod_amount,
        quotes=quotes,
        recommended=row.recommended,
        created_at=row.created_at,
        expires_at=row.expires_at,
        quote_set_id=row.id,
        trip=trip,
    )


def save_quote_set(session: Session, tenant_id: str, quote_set: QuoteSet) -> None:
    session.add(quote_set_row(tenant_id, quote_set))
    session.flush()


def load_quote_set(session: Session, quote_set_id: str) -> QuoteSet | None:
    """The set with this id in the session's tenant (another tenant's id finds nothing)."""
    row = session.scalar(select(QuoteSetRow).where(QuoteSetRow.id == quote_set_id))
    return None if row is None else quote_set_from_row(row)


def prune_quote_sets(session: Session, now: datetime) -> int:
    """Drop sets created more than a day before `now` (quotes live minutes); returns how many."""
    result = session.execute(delete(QuoteSetRow).where(QuoteSetRow.created_at < now - KEEP_EXPIRED))
    return int(getattr(result, "rowcount", 0) or 0)


def mark_booked(session: Session, quote_set_id: str, order_id: str, at: datetime) -> bool:
    """Take the quote set for one booking: a conditional UPDATE, so of two bookings racing for
    one set exactly one wins (PostgreSQL re-checks the condition after the row lock; SQLite has
    one writer). False: it was already booked."""
    result = session.execute(
        update(QuoteSetRow)
        .where(QuoteSetRow.id == quote_set_id, QuoteSetRow.booked_order_id.is_(None))
        .values(booked_order_id=order_id, booked_at=at)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1


def release_booked(session: Session, quote_set_id: str, order_id: str) -> None:
    """Free a quote set taken by a booking the platform then refused (only by that booking)."""
    session.execute(
        update(QuoteSetRow)
        .where(QuoteSetRow.id == quote_set_id, QuoteSetRow.booked_order_id == order_id)
        .values(booked_order_id=None, booked_at=None)
        .execution_options(synchronize_session=False)
    )


def write_quote_sets(database: Database, sets: list[tuple[str, QuoteSet]]) -> None:
    """Upsert the sets in one transaction, committed without waiting for the disk.

    A quote set lives minutes and losing the last ones in a power cut only means quoting again,
    so its commit does not wait for a flush to disk (PostgreSQL `synchronous_commit = off` for
    this transaction; SQLite `synchronous = NORMAL` on this connection while it writes, which in
    WAL mode still survives a crash of the process). The flush was most of a quote's write time.
    """
    table = cast(Table, QuoteSetRow.__table__)
    rows = [quote_set_row(tenant_id, quote_set) for tenant_id, quote_set in sets]
    values = [{column.key: getattr(row, column.key) for column in table.columns} for row in rows]
    with database.engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        driver = conn.connection.driver_connection if sqlite else None
        before = int(driver.execute("PRAGMA synchronous").fetchone()[0]) if driver is not None else 2
        if driver is not None:
            driver.execute("PRAGMA synchronous = NORMAL")  # outside a transaction, as SQLite requires
        try:
            with conn.begin():
                if not sqlite:
                    conn.execute(text("SET LOCAL synchronous_commit TO OFF"))
                # Upsert: a set stored provisionally before the deadline is replaced by its final form
                # (never one already booked: a booking can only follow the final answer).
                conn.execute(
                    delete(table).where(table.c.id.in_([v["id"] for v in values]), table.c.booked_order_id.is_(None))
                )
                conn.execute(insert(table), values)
        finally:
            if driver is not None:
                driver.execute(f"PRAGMA synchronous = {before}")
