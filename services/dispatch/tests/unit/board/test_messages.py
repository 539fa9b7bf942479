"""Every failure reason a driver can pick has a name on the dispatcher's pages, in both languages."""

from __future__ import annotations

import pytest

from smartdist_dispatch.board.messages import MESSAGES
from smartdist_dispatch.driver.domain import REASON_CODES
from smartdist_dispatch.messages import MESSAGES as SERVICE_MESSAGES
from smartdist_dispatch.planning.model import UnassignedReason


@pytest.mark.parametrize("lang", ["zh-TW", "en"])
def test_every_reason_code_is_named_on_the_board(lang: str) -> None:
    missing = [code for code in REASON_CODES if f"board.reason.{code}" not in MESSAGES[lang]]
    assert missing == []


def test_both_languages_have_the_same_texts() -> None:
    assert set(MESSAGES["zh-TW"]) == set(MESSAGES["en"])


@pytest.mark.parametrize("lang", ["zh-TW", "en"])
def test_every_unassigned_reason_reads_as_words_on_the_board_and_in_problems(lang: str) -> None:
    for reason in UnassignedReason:
        assert f"board.unassigned.{reason}" in MESSAGES[lang]
        text = SERVICE_MESSAGES[lang][f"error.dispatch.unassigned.{reason}"]
        assert text.format(order_no="A-1").startswith("A-1: ")


@pytest.mark.parametrize("lang", ["zh-TW", "en"])
def test_job_progress_keys_format_with_their_params(lang: str) -> None:
    catalog = SERVICE_MESSAGES[lang]
    assert catalog["dispatch.progress.matrix"].format(stops=5, vehicles=2)
    assert "60" in catalog["dispatch.progress.solving"].format(seconds=60)
    assert "3" in catalog["dispatch.progress.storing"].format(routes=3)


def test_service_catalog_has_the_same_keys_in_both_languages() -> None:
    assert set(SERVICE_MESSAGES["zh-TW"]) == set(SERVICE_MESSAGES["en"])
