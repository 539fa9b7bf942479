"""Pick lists of a wave: walking order, put-to-order split, per order / batch / zone."""

from __future__ import annotations

from smartdist_wms.waves.domain import Open, pick_lists, split_to_totes


def _open(order_id: int, tote: int, seq: int, loc: str, zone: str, sku: str, qty: int, picked: int = 0) -> Open:
    return Open(order_id, tote, seq, loc, zone, sku, sku.lower(), None, None, None, qty, picked)


ROWS = [
    _open(10, 1, 30, "B-01", "B", "TEA", 2),
    _open(10, 1, 10, "A-02", "A", "CUP", 1),
    _open(11, 2, 10, "A-02", "A", "CUP", 3, picked=1),
    _open(11, 2, 5, "A-09", "A", "PEN", 4),
    _open(12, 3, 20, "C-01", "C", "INK", 1),
]


def test_batch_is_one_walk_by_location_sequence_with_totes() -> None:
    (batch,) = pick_lists("batch", ROWS)
    assert [(t.location, t.sku, t.qty, t.picked) for t in batch.tasks] == [
        ("A-09", "PEN", 4, 0),
        ("A-02", "CUP", 4, 1),
        ("C-01", "INK", 1, 0),
        ("B-01", "TEA", 2, 0),
    ]
    cup = batch.tasks[1]
    assert [(p.tote, p.order_id, p.qty, p.picked) for p in cup.puts] == [(1, 10, 1, 0), (2, 11, 3, 1)]


def test_zone_lists_follow_the_walk_and_order_lists_the_totes() -> None:
    zones = pick_lists("zone", ROWS)
    assert [z.zone for z in zones] == ["A", "C", "B"]
    assert [t.location for t in zones[0].tasks] == ["A-09", "A-02"]
    per_order = pick_lists("order", ROWS)
    assert [o.order_id for o in per_order] == [10, 11, 12]
    assert [t.location for t in per_order[0].tasks] == ["A-02", "B-01"]


def test_a_scan_fills_the_lowest_totes_first() -> None:
    assert split_to_totes(4, [(2, 11, 3), (1, 10, 2)]) == [(1, 10, 2), (2, 11, 2)]
    assert split_to_totes(1, [(3, 12, 5)]) == [(3, 12, 1)]
