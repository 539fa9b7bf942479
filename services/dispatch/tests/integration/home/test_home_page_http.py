"""The dispatch service's home page: behind sign-in, links to every dispatcher page and the driver app."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from smartdist.testing.platform import ServiceUnderTest
from smartdist_dispatch.app import DEFINITION


@pytest.fixture
def svc(service_factory: Any) -> Iterator[ServiceUnderTest]:
    with service_factory(DEFINITION) as started:
        yield started


def test_home_needs_sign_in(svc: ServiceUnderTest) -> None:
    answer = svc.client.get("/", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/signin")


@pytest.mark.parametrize(("lang", "board_label"), [("zh-TW", "派車看板"), ("en", "Plan board")])
def test_home_links_every_page(svc: ServiceUnderTest, lang: str, board_label: str) -> None:
    svc.client.cookies.set("smartdist_token", svc.token("t-home", ["dispatcher"]))
    page = svc.client.get("/", params={"lang": lang})
    assert page.status_code == 200
    for path in ("/board", "/board/map", "/board/exceptions", "/board/analytics", "/driver", "/kpi"):
        assert f'href="{path}"' in page.text
    assert board_label in page.text
    assert "pages_coming" not in page.text
