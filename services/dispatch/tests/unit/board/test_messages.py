"""Every failure reason a driver can pick has a name on the dispatcher's pages, in both languages."""

from __future__ import annotations

import pytest

from smartdist_dispatch.board.messages import MESSAGES
from smartdist_dispatch.driver.domain import REASON_CODES


@pytest.mark.parametrize("lang", ["zh-TW", "en"])
def test_every_reason_code_is_named_on_the_board(lang: str) -> None:
    missing = [code for code in REASON_CODES if f"board.reason.{code}" not in MESSAGES[lang]]
    assert missing == []


def test_both_languages_have_the_same_texts() -> None:
    assert set(MESSAGES["zh-TW"]) == set(MESSAGES["en"])
