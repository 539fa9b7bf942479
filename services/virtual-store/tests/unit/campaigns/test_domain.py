"""Coupon arithmetic in whole TWD, and codes."""

from __future__ import annotations

from smartdist_virtual_store.campaigns.domain import CODE_ALPHABET, discount_twd, new_code, normalize_code


def test_percent_discount_rounds_half_up_to_whole_twd() -> None:
    assert discount_twd("percent", 10, 125) == 13  # 12.5 -> 13
    assert discount_twd("percent", 10, 124) == 12  # 12.4 -> 12
    assert discount_twd("percent", 15, 99) == 15  # 14.85 -> 15
    assert discount_twd("percent", 33, 150) == 50  # 49.5 -> 50
    assert discount_twd("percent", 1, 49) == 0  # 0.49 -> 0
    assert discount_twd("percent", 1, 50) == 1  # 0.5 -> 1


def test_discount_never_exceeds_the_spend() -> None:
    assert discount_twd("amount", 500, 300) == 300
    assert discount_twd("percent", 100, 777) == 777
    assert discount_twd("amount", 100, 1000) == 100


def test_codes_are_unique_readable_and_normalised() -> None:
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    code = next(iter(codes))
    assert code.startswith("VS-") and all(c in CODE_ALPHABET for c in code[3:].replace("-", ""))
    assert normalize_code(f"  {code.lower()}\n") == code
