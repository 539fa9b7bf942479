"""The database subsidy ledger under concurrent bookings, on SQLite and PostgreSQL."""

import threading

import pytest
from sqlalchemy import func, select

from smartdist.db import Database
from smartdist_delivery_broker.db import Base
from smartdist_delivery_broker.subsidy.domain import SubsidyCapExceeded
from smartdist_delivery_broker.subsidy.models import SubsidyAccountRow, SubsidyEntryRow
from smartdist_delivery_broker.subsidy.service import charge_subsidy, release_subsidy


@pytest.fixture
def ledger_db(empty_database: Database) -> Database:
    empty_database.ensure_schema()
    Base.metadata.create_all(
        empty_database.engine,
        tables=[SubsidyAccountRow.__table__, SubsidyEntryRow.__table__],  # type: ignore[list-item]
    )
    return empty_database


def test_concurrent_bookings_never_overspend_and_retries_never_spend_twice(ledger_db: Database) -> None:
    # A small cap keeps the run short; the race is the same as for 30,000.
    with ledger_db.tenant_transaction("tenant-a") as session:
        session.add(SubsidyAccountRow(tenant_id="tenant-a", cap=3_000, spent=0))
    refused: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def book(worker: int) -> None:
        barrier.wait()
        for n in range(10):
            ref = f"w{worker}-{n}"
            for _attempt in range(2):  # every booking is retried once
                try:
                    with ledger_db.tenant_transaction("tenant-a") as session:
                        charge_subsidy(session, "tenant-a", ref, 95, 30)
                except SubsidyCapExceeded:
                    refused.append(ref)
                except BaseException as exc:  # noqa: BLE001 - reported below
                    errors.append(exc)

    threads = [threading.Thread(target=book, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    with ledger_db.tenant_transaction("tenant-a") as session:
        account = session.scalar(select(SubsidyAccountRow))
        charges = session.scalar(select(func.count()).select_from(SubsidyEntryRow))
    assert account is not None and account.spent == 3_000 == 24 * 125
    assert charges == 24
    assert len(set(refused)) == 40 - 24


def test_release_gives_the_charge_back_once(ledger_db: Database) -> None:
    with ledger_db.tenant_transaction("tenant-b") as session:
        charge_subsidy(session, "tenant-b", "b1", 105, 30)
        assert release_subsidy(session, "tenant-b", "b1") is not None
        assert release_subsidy(session, "tenant-b", "b1") is None
        account = session.scalar(select(SubsidyAccountRow))
        assert account is not None and account.spent == 0


def test_tenants_have_separate_balances(ledger_db: Database) -> None:
    with ledger_db.tenant_transaction("tenant-c") as session:
        charge_subsidy(session, "tenant-c", "c1", 29_000, 0)
    with ledger_db.tenant_transaction("tenant-d") as session:
        charge_subsidy(session, "tenant-d", "d1", 29_000, 0)
        assert session.scalar(select(SubsidyAccountRow.spent)) == 29_000
    with ledger_db.tenant_transaction("tenant-c") as session, pytest.raises(SubsidyCapExceeded) as refused:
        charge_subsidy(session, "tenant-c", "c2", 1_001, 0)
    assert refused.value.remaining == 1_000
