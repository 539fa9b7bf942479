"""The dispatcher's page shells over HTTP on SQLite and PostgreSQL: sign-in gate, languages, settings."""

from __future__ import annotations

import pytest

from .conftest import Day  # noqa: TID252 - the folder's own helpers

PAGES = ["/board", "/board/map", "/board/exceptions", "/board/analytics"]


def signed_in(day: Day) -> None:
    day.svc.client.cookies.set("smartdist_token", day.svc.token(day.tenant, ["dispatcher"]))


def test_pages_need_a_sign_in(day: Day) -> None:
    for path in PAGES:
        answer = day.svc.client.get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == f"/signin?next={path}"


def test_pages_speak_zh_tw_by_default_and_english_on_request(day: Day) -> None:
    signed_in(day)
    titles = {
        "/board": ("派車看板", "Plan board"),
        "/board/map": ("即時地圖", "Live map"),
        "/board/exceptions": ("配送異常", "Delivery exceptions"),
        "/board/analytics": ("配送分析", "Delivery analytics"),
    }
    for path, (zh, _) in titles.items():
        assert f"<h1>{zh}</h1>" in day.svc.client.get(path).text
    for path, (_, en) in titles.items():  # ?lang=en also sets the language cookie
        assert f"<h1>{en}</h1>" in day.svc.client.get(path + "?lang=en").text
    board = day.svc.client.get(f"/board?date={day.day}").text
    assert f'value="{day.day}"' in board and "/board/static/board-plan.js" in board
    analytics = day.svc.client.get("/board/analytics?from=2026-11-01&to=2026-11-07").text
    assert 'data-from="2026-11-01"' in analytics and "group_by=vehicle&amp;format=csv" in analytics
    assert "chart.umd.min.js" in analytics


def test_the_map_takes_its_tiles_from_the_setting_and_draws_without_one(
    day: Day, monkeypatch: pytest.MonkeyPatch
) -> None:
    signed_in(day)
    blank = day.svc.client.get("/board/map").text
    assert 'data-tile-url=""' in blank and 'id="no-tiles"' in blank and "leaflet/dist/leaflet.js" in blank
    monkeypatch.setenv("SMARTDIST_DISPATCH_MAP_TILE_URL", "http://tiles.local/{z}/{x}/{y}.png")
    tiled = day.svc.client.get("/board/map").text
    assert 'data-tile-url="http://tiles.local/{z}/{x}/{y}.png"' in tiled and 'id="no-tiles"' not in tiled
    assert day.svc.client.get("/board/map?refresh_s=1").status_code == 422
    assert day.svc.client.get("/board?date=yesterday").status_code == 422


def test_scripts_are_served_and_nothing_else_from_the_board_folder(day: Day) -> None:
    script = day.svc.client.get("/board/static/board-map.js")
    assert script.status_code == 200 and "L.polyline" in script.text
    assert day.svc.client.get("/board/static/pages.py").status_code == 404
    assert day.svc.client.get("/board/static/..%2Fpages.py").status_code == 404
    assert day.svc.client.get("/static/vendor/leaflet/dist/leaflet.js").status_code == 200
