import threading
from datetime import UTC, datetime

import pytest

from smartdist_delivery_broker.pricing import DEFAULT_RULES, quote_fee
from smartdist_delivery_broker.subsidy.domain import (
    SUBSIDY_CAP_TWD,
    EntryKind,
    SubsidyAccount,
    SubsidyCapExceeded,
    SubsidyLedger,
    bookings_within_cap,
    charge_booking,
    release_booking,
)

AT = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def pandago_fee_2km(cod_amount: int) -> tuple[int, int]:
    quote = quote_fee(2000, cod_amount, DEFAULT_RULES, "pandago")
    return quote.fee - quote.fee_breakdown["cod"], quote.fee_breakdown["cod"]


def test_brochure_250_orders_within_3km_on_pandago_spend_23750() -> None:
    account = SubsidyAccount()
    delivery, cod = pandago_fee_2km(0)
    for n in range(250):
        account, _ = charge_booking(account, f"b{n}", delivery, cod, AT)
    assert account.spent == 23_750
    assert account.remaining == SUBSIDY_CAP_TWD - 23_750


def test_brochure_250_cod_orders_cost_31250_and_the_241st_is_refused_clearly() -> None:
    delivery, cod = pandago_fee_2km(800)
    assert (delivery + cod) * 250 == 31_250
    assert bookings_within_cap(delivery + cod) == 240
    account = SubsidyAccount()
    for n in range(240):
        account, _ = charge_booking(account, f"b{n}", delivery, cod, AT)
    assert account.remaining == 0
    with pytest.raises(SubsidyCapExceeded) as refused:
        charge_booking(account, "b240", delivery, cod, AT)
    assert refused.value.amount == 125 and refused.value.remaining == 0
    assert "needs 125 TWD" in str(refused.value) and "only 0 TWD" in str(refused.value)


def test_booking_that_would_pass_the_cap_is_not_partly_charged() -> None:
    account, _ = charge_booking(SubsidyAccount(cap=200), "a", 95, 30, AT)
    with pytest.raises(SubsidyCapExceeded):
        charge_booking(account, "b", 95, 0, AT)
    assert account.spent == 125 and len(account.entries) == 1


def test_charging_the_same_booking_twice_spends_once() -> None:
    account, first = charge_booking(SubsidyAccount(), "b1", 95, 30, AT)
    again, second = charge_booking(account, "b1", 95, 30, AT)
    assert again.spent == 125 and first == second


def test_cancelled_booking_gives_its_charge_back_once() -> None:
    account, _ = charge_booking(SubsidyAccount(), "b1", 105, 30, AT)
    account, entry = release_booking(account, "b1", AT)
    assert entry is not None and entry.kind is EntryKind.RELEASE and entry.amount == -135
    account, again = release_booking(account, "b1", AT)
    assert again is None
    assert account.spent == 0 and account.remaining == SUBSIDY_CAP_TWD


def test_history_shows_balance_after_each_entry() -> None:
    account, _ = charge_booking(SubsidyAccount(), "b1", 95, 0, AT)
    account, _ = charge_booking(account, "b2", 120, 30, AT)
    assert [e.balance_after for e in account.entries] == [29_905, 29_755]


def test_concurrent_bookings_never_overspend() -> None:
    ledger = SubsidyLedger(cap=30_000)
    refused: list[str] = []
    barrier = threading.Barrier(8)

    def book(worker: int) -> None:
        barrier.wait()
        for n in range(40):
            try:
                ledger.charge("tenant-a", f"w{worker}-{n}", 95, 30, AT)
                # A retry of the same booking from another thread must not spend again.
                ledger.charge("tenant-a", f"w{worker}-{n}", 95, 30, AT)
            except SubsidyCapExceeded:
                refused.append(f"w{worker}-{n}")

    threads = [threading.Thread(target=book, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    account = ledger.account("tenant-a")
    assert account.spent == 240 * 125 == 30_000
    assert len(refused) == 320 - 240
    assert ledger.account("tenant-b").remaining == 30_000
