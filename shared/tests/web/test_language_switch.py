"""The language link of every page keeps the page's own query (a chosen store, a date)."""

from __future__ import annotations

from starlette.requests import Request

from smartdist.web.pages import other_language_url


def request_for(query: str) -> Request:
    return Request(
        {"type": "http", "method": "GET", "path": "/forecasts", "query_string": query.encode(), "headers": []}
    )


def test_switch_keeps_the_query_and_replaces_lang() -> None:
    url = other_language_url(request_for("store=S01&sku=A%26B&lang=zh-TW"), "zh-TW")
    assert url == "?store=S01&sku=A%26B&lang=en"


def test_switch_back_to_chinese_from_a_bare_page() -> None:
    assert other_language_url(request_for(""), "en") == "?lang=zh-TW"
