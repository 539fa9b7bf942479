"""Spend and give back the subsidy in the database, safe under concurrent bookings.

The balance check and the spend are one conditional UPDATE (`spent + amount <= cap`): two
bookings racing for the last few hundred TWD cannot both pass, on PostgreSQL (row lock, the
condition is re-checked) or SQLite (one writer at a time). Entries are unique per booking and
kind, so a retried booking finds its first charge instead of spending again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smartdist.db import utcnow
from smartdist_delivery_broker.subsidy.domain import SUBSIDY_CAP_TWD, EntryKind, SubsidyCapExceeded
from smartdist_delivery_broker.subsidy.models import SubsidyAccountRow, SubsidyEntryRow


def subsidy_account(session: Session, tenant_id: str, cap: int = SUBSIDY_CAP_TWD) -> SubsidyAccountRow:
    """The merchant's balance row, opened with the programme cap on first use."""
    row: SubsidyAccountRow | None = session.scalar(
        select(SubsidyAccountRow).where(SubsidyAccountRow.tenant_id == tenant_id)
    )
    if row is not None:
        return row
    try:
        with session.begin_nested():
            row = SubsidyAccountRow(tenant_id=tenant_id, cap=cap, spent=0)
            session.add(row)
    except IntegrityError:
        # Another request opened it first.
        row = session.scalar(select(SubsidyAccountRow).where(SubsidyAccountRow.tenant_id == tenant_id))
        assert row is not None
    return row


def _entry(session: Session, tenant_id: str, booking_ref: str, kind: EntryKind) -> SubsidyEntryRow | None:
    return session.scalar(
        select(SubsidyEntryRow).where(
            SubsidyEntryRow.tenant_id == tenant_id,
            SubsidyEntryRow.booking_ref == booking_ref,
            SubsidyEntryRow.kind == kind.value,
        )
    )


def charge_subsidy(
    session: Session, tenant_id: str, booking_ref: str, delivery_fee: int, cod_fee: int, at: datetime | None = None
) -> SubsidyEntryRow:
    """Spend delivery + COD fee of a booking, or raise SubsidyCapExceeded; once per booking."""
    existing = _entry(session, tenant_id, booking_ref, EntryKind.CHARGE)
    if existing is not None:
        return existing
    account = subsidy_account(session, tenant_id)
    amount = delivery_fee + cod_fee
    spent = session.execute(
        update(SubsidyAccountRow)
        .where(
            SubsidyAccountRow.tenant_id == tenant_id,
            SubsidyAccountRow.spent + amount <= SubsidyAccountRow.cap,
        )
        .values(spent=SubsidyAccountRow.spent + amount)
        .returning(SubsidyAccountRow.spent, SubsidyAccountRow.cap)
        .execution_options(synchronize_session=False)
    ).first()
    if spent is None:
        session.refresh(account)
        raise SubsidyCapExceeded(booking_ref, amount, account.cap - account.spent, account.cap)
    entry = SubsidyEntryRow(
        tenant_id=tenant_id,
        booking_ref=booking_ref,
        kind=EntryKind.CHARGE.value,
        delivery_fee=delivery_fee,
        cod_fee=cod_fee,
        amount=amount,
        balance_after=spent.cap - spent.spent,
        at=at or utcnow(),
    )
    session.add(entry)
    session.flush()
    return entry


def release_subsidy(
    session: Session, tenant_id: str, booking_ref: str, at: datetime | None = None
) -> SubsidyEntryRow | None:
    """Give back a booking's charge once (cancelled or failed before pickup)."""
    charge = _entry(session, tenant_id, booking_ref, EntryKind.CHARGE)
    if charge is None or _entry(session, tenant_id, booking_ref, EntryKind.RELEASE) is not None:
        return None
    spent = session.execute(
        update(SubsidyAccountRow)
        .where(SubsidyAccountRow.tenant_id == tenant_id)
        .values(spent=SubsidyAccountRow.spent - charge.amount)
        .returning(SubsidyAccountRow.spent, SubsidyAccountRow.cap)
        .execution_options(synchronize_session=False)
    ).one()
    entry = SubsidyEntryRow(
        tenant_id=tenant_id,
        booking_ref=booking_ref,
        kind=EntryKind.RELEASE.value,
        delivery_fee=-charge.delivery_fee,
        cod_fee=-charge.cod_fee,
        amount=-charge.amount,
        balance_after=spent.cap - spent.spent,
        at=at or utcnow(),
    )
    session.add(entry)
    session.flush()
    return entry


def subsidy_history(session: Session, tenant_id: str, limit: int = 200) -> list[SubsidyEntryRow]:
    return list(
        session.scalars(
            select(SubsidyEntryRow)
            .where(SubsidyEntryRow.tenant_id == tenant_id)
            .order_by(SubsidyEntryRow.at.desc(), SubsidyEntryRow.id)
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class SubsidyBalance:
    cap: int
    spent: int
    entries: list[SubsidyEntryRow]

    @property
    def remaining(self) -> int:
        return self.cap - self.spent


def subsidy_balance(session: Session, tenant_id: str, limit: int = 200) -> SubsidyBalance:
    """The merchant's balance and its newest `limit` ledger entries."""
    account = subsidy_account(session, tenant_id)
    return SubsidyBalance(account.cap, account.spent, subsidy_history(session, tenant_id, limit))


def undo_charge(session: Session, tenant_id: str, booking_ref: str) -> None:
    """Take back the charge of a booking that never happened (the platform refused it after the
    claim): as if it had never been charged, no entry left. Nothing to do once it was released."""
    charge = _entry(session, tenant_id, booking_ref, EntryKind.CHARGE)
    if charge is None or _entry(session, tenant_id, booking_ref, EntryKind.RELEASE) is not None:
        return
    session.execute(
        update(SubsidyAccountRow)
        .where(SubsidyAccountRow.tenant_id == tenant_id)
        .values(spent=SubsidyAccountRow.spent - charge.amount)
        .execution_options(synchronize_session=False)
    )
    session.delete(charge)
    session.flush()
