"""Putaway suggestions: fixed, same product, zone by category, nearest empty; capacity-aware."""

from __future__ import annotations

from smartdist_wms.inbound.domain import ReceiptRules, is_complete, most_receivable
from smartdist_wms.inbound.putaway_strategy import Place, suggest_location


def suggest(places: list[Place], **kw: object) -> tuple[str | None, str]:
    args = {"product_id": 1, "fixed_location": None, "category": None, "qty": 5} | kw
    s = suggest_location(places=places, **args)  # type: ignore[arg-type]
    return s.location, s.reason


def test_fixed_location_first_when_it_fits() -> None:
    places = [Place("A1", 1), Place("F1", 9, capacity=10, held=2)]
    assert suggest(places, fixed_location="F1") == ("F1", "fixed")
    assert suggest(places, fixed_location="F1", qty=9) == ("A1", "nearest_empty")


def test_same_product_nearby_before_empty() -> None:
    places = [
        Place("A1", 1),
        Place("B7", 7, held=3, products=frozenset({1})),
        Place("B2", 2, held=3, products=frozenset({1})),
    ]
    assert suggest(places) == ("B2", "same_product")


def test_category_zone_then_nearest_empty_skipping_blocked_and_docks() -> None:
    places = [
        Place("DOCK", 0, kind="dock"),
        Place("X1", 1, status="blocked"),
        Place("C5", 5, category="frozen"),
        Place("A3", 3),
        Place("A9", 9, held=1, products=frozenset({2})),
    ]
    assert suggest(places, category="frozen") == ("C5", "category_zone")
    assert suggest(places) == ("A3", "nearest_empty")
    assert suggest([Place("A9", 9, held=1, capacity=2)]) == (None, "none")


def test_receipt_rules() -> None:
    assert most_receivable(100, ReceiptRules(over_receipt_pct=5)) == 105
    # close: a short delivery, all put away, completes; backorder waits for the rest
    assert is_complete([(10, 8)], 0, ReceiptRules()) is True
    assert is_complete([(10, 8)], 0, ReceiptRules(short_receipt="backorder")) is False
    assert is_complete([(10, 10)], 2, ReceiptRules()) is False
    assert is_complete([(10, 0)], 0, ReceiptRules()) is False
