"""Subsidy ledger rules (SPEC §4.D): each merchant's 30,000 TWD programme subsidy is spent by
delivery fees and COD fees, the balance is always known, and nothing is spent twice.

A booking is charged whole or not at all: when its delivery + COD fee would take the balance
below zero the charge is refused with how much it needed and how much is left, and the merchant
decides (book unsubsidised, or not at all). Charging the same booking again returns the first
charge — a retried booking never spends the subsidy twice. A booking cancelled before pickup
gives its charge back once.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

SUBSIDY_CAP_TWD = 30_000


class EntryKind(StrEnum):
    CHARGE = "charge"
    RELEASE = "release"


@dataclass(frozen=True)
class LedgerEntry:
    booking_ref: str
    kind: EntryKind
    delivery_fee: int
    cod_fee: int
    amount: int  # what the entry takes from the balance: positive for a charge, negative for a release
    balance_after: int
    at: datetime


class SubsidyCapExceeded(Exception):
    """The booking would spend more than what is left of the subsidy."""

    def __init__(self, booking_ref: str, amount: int, remaining: int, cap: int):
        self.booking_ref = booking_ref
        self.amount = amount
        self.remaining = remaining
        self.cap = cap
        super().__init__(
            f"booking {booking_ref} needs {amount} TWD of subsidy but only {remaining} TWD of the "
            f"{cap} TWD subsidy remains"
        )


@dataclass(frozen=True)
class SubsidyAccount:
    cap: int = SUBSIDY_CAP_TWD
    entries: tuple[LedgerEntry, ...] = ()

    @property
    def spent(self) -> int:
        return sum(e.amount for e in self.entries)

    @property
    def remaining(self) -> int:
        return self.cap - self.spent

    def charge_for(self, booking_ref: str) -> LedgerEntry | None:
        return next((e for e in self.entries if e.booking_ref == booking_ref and e.kind is EntryKind.CHARGE), None)

    def released(self, booking_ref: str) -> bool:
        return any(e.booking_ref == booking_ref and e.kind is EntryKind.RELEASE for e in self.entries)


def charge_booking(
    account: SubsidyAccount, booking_ref: str, delivery_fee: int, cod_fee: int, at: datetime
) -> tuple[SubsidyAccount, LedgerEntry]:
    """Spend delivery + COD fee of one booking; idempotent per booking; refuses to pass the cap."""
    if delivery_fee < 0 or cod_fee < 0:
        raise ValueError("fees are never negative")
    existing = account.charge_for(booking_ref)
    if existing is not None:
        return account, existing
    amount = delivery_fee + cod_fee
    if amount > account.remaining:
        raise SubsidyCapExceeded(booking_ref, amount, account.remaining, account.cap)
    entry = LedgerEntry(booking_ref, EntryKind.CHARGE, delivery_fee, cod_fee, amount, account.remaining - amount, at)
    return SubsidyAccount(account.cap, account.entries + (entry,)), entry


def release_booking(
    account: SubsidyAccount, booking_ref: str, at: datetime
) -> tuple[SubsidyAccount, LedgerEntry | None]:
    """Give a cancelled booking's charge back, once; nothing to give back is not an error."""
    charge = account.charge_for(booking_ref)
    if charge is None or account.released(booking_ref):
        return account, None
    entry = LedgerEntry(
        booking_ref,
        EntryKind.RELEASE,
        -charge.delivery_fee,
        -charge.cod_fee,
        -charge.amount,
        account.remaining + charge.amount,
        at,
    )
    return SubsidyAccount(account.cap, account.entries + (entry,)), entry


def bookings_within_cap(fee_per_booking: int, cap: int = SUBSIDY_CAP_TWD) -> int:
    """How many equal bookings the subsidy pays for in full."""
    return cap // fee_per_booking if fee_per_booking > 0 else 0


@dataclass
class SubsidyLedger:
    """In-process ledger of many merchants, safe under concurrent bookings.

    Read-check-write of a balance must be one atomic step or two concurrent bookings both see
    the same remainder; here a lock makes it so (the database ledger does it with a conditional
    update in one statement).
    """

    cap: int = SUBSIDY_CAP_TWD
    _accounts: dict[str, SubsidyAccount] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def account(self, tenant_id: str) -> SubsidyAccount:
        with self._lock:
            return self._accounts.get(tenant_id, SubsidyAccount(self.cap))

    def charge(self, tenant_id: str, booking_ref: str, delivery_fee: int, cod_fee: int, at: datetime) -> LedgerEntry:
        with self._lock:
            account = self._accounts.get(tenant_id, SubsidyAccount(self.cap))
            account, entry = charge_booking(account, booking_ref, delivery_fee, cod_fee, at)
            self._accounts[tenant_id] = account
            return entry

    def release(self, tenant_id: str, booking_ref: str, at: datetime) -> LedgerEntry | None:
        with self._lock:
            account = self._accounts.get(tenant_id, SubsidyAccount(self.cap))
            account, entry = release_booking(account, booking_ref, at)
            self._accounts[tenant_id] = account
            return entry
