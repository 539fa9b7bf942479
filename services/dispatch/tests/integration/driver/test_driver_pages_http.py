"""The driver app's page over HTTP on SQLite and PostgreSQL: sign-in gate, languages, its script."""

from __future__ import annotations

import json
import re
from typing import Any


def texts(html: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="driver-texts">(.*?)</script>', html, re.S)
    assert found is not None
    return dict(json.loads(found.group(1)))


def test_signed_out_driver_is_sent_to_sign_in(svc: Any) -> None:
    answer = svc.client.get("/driver", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/signin?next=/driver"


def test_page_is_zh_tw_by_default_and_english_on_request(day: Any) -> None:
    day.svc.client.cookies.set("smartdist_token", day.svc.token(day.tenant, ["driver"], subject="user-DR1"))
    try:
        page = day.svc.client.get("/driver")
        assert page.status_code == 200 and '<html lang="zh-TW">' in page.text
        zh = texts(page.text)
        assert zh["reason.nobody_home"] == "無人在家" and zh["reason_codes"][-1] == "other"
        assert 'data-api="/api/v1/driver"' in page.text
        english = day.svc.client.get("/driver?lang=en")
        assert '<html lang="en">' in english.text and texts(english.text)["deliver"] == "Deliver"
        staff = day.svc.client.get("/driver?driver_id=0")
        assert staff.status_code == 422
    finally:
        day.svc.client.cookies.clear()
    script = day.svc.client.get("/driver/app.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    assert "SmartDist.OfflineQueue" in script.text


def test_service_worker_may_control_the_app_path(svc: Any) -> None:
    worker = svc.client.get("/driver/sw.js")
    assert worker.status_code == 200 and worker.headers["service-worker-allowed"] == "/driver"
    assert "smartdist-driver" in worker.text
