"""A new merchant's first run over HTTP: the fleet page, and planning before there is a depot."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from smartdist.testing.platform import ServiceUnderTest
from smartdist_dispatch.app import DEFINITION

DAY = "2026-11-27"
DEPOT = {"code": "D1", "name": "內湖倉", "lat": 25.08, "lng": 121.57}
VAN = {"code": "V1", "kind": "van", "capacity_weight_kg": 800, "capacity_volume_l": 3000, "capacity_boxes": 9}
ORDER = {
    "order_no": "A-1",
    "customer_name": "林小姐",
    "lat": 25.07,
    "lng": 121.58,
    "time_windows": [[f"{DAY}T09:00:00+08:00", f"{DAY}T17:00:00+08:00"]],
}


def finished_job(svc: ServiceUnderTest, job_id: str, headers: dict[str, str]) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job: dict[str, Any] = svc.client.get(f"/api/v1/jobs/{job_id}", headers=headers).json()
        if job["status"] in ("succeeded", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish")


@pytest.fixture
def svc(service_factory) -> Iterator[ServiceUnderTest]:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as started:
        yield started


def test_planning_without_a_depot_says_what_to_set_up_first(svc: ServiceUnderTest) -> None:
    other = svc.headers("t2", ("dispatcher",))
    assert svc.client.post("/api/v1/depots", json=DEPOT, headers=other).status_code == 201  # not t1's
    headers = svc.headers("t1", ("dispatcher",))
    for body in ({"plan_date": DAY}, {"plan_date": DAY, "depot_id": None}):
        answer = svc.client.post("/api/v1/plans", json=body, headers=headers | {"Accept-Language": "en"})
        assert answer.status_code == 422, answer.text
        problem = answer.json()
        assert problem["code"] == "dispatch.plan.no_depot"
        assert "create a depot" in problem["detail"].lower()
        assert problem["errors"][0]["loc"] == ["body", "depot_id"]

    depot = svc.client.post("/api/v1/depots", json=DEPOT, headers=headers).json()
    no_vans = svc.client.post("/api/v1/plans", json={"plan_date": DAY}, headers=headers).json()
    assert [e["code"] for e in no_vans["errors"]] == ["dispatch.plan.no_orders", "dispatch.plan.no_vehicles"]

    # One depot with a van and an order: the depot may be left out, the job plans from it.
    assert svc.client.post("/api/v1/vehicles", json=VAN | {"depot_id": depot["id"]}, headers=headers).status_code == 201
    assert svc.client.post("/api/v1/orders", json=ORDER, headers=headers).status_code == 201
    started = svc.client.post("/api/v1/plans", json={"plan_date": DAY, "time_limit_s": 1}, headers=headers)
    assert started.status_code == 202, started.text
    job = finished_job(svc, started.json()["job_id"], headers)
    assert job["status"] == "succeeded", job
    plan = svc.client.get(f"/api/v1/plans/{job['result']['plan_id']}", headers=headers).json()
    assert plan["depot_id"] == depot["id"]
    # The job's last stage, in the reader's language (a catalog key with its figures, not "storing the plan").
    assert job["message"] == "儲存路線計畫：1 條路線"
    english = svc.client.get(f"/api/v1/jobs/{job['id']}", headers=headers | {"Accept-Language": "en"}).json()
    assert english["message"] == "storing the plan: 1 routes"

    # Two depots: the merchant must choose.
    assert svc.client.post("/api/v1/depots", json=DEPOT | {"code": "D2"}, headers=headers).status_code == 201
    two = svc.client.post("/api/v1/plans", json={"plan_date": DAY}, headers=headers).json()
    assert two["code"] == "dispatch.plan.choose_depot"


def test_fleet_page_lists_the_first_run_steps_and_every_form_in_zh_tw(svc: ServiceUnderTest) -> None:
    page = svc.client.get("/board/fleet", cookies={"smartdist_token": svc.token("t1", ["dispatcher"])})
    assert page.status_code == 200, page.text
    html = page.text
    for text in ("車隊設定", "建立倉庫", "新增倉庫", "新增車輛", "新增司機", "緯度", "常開車輛", "從檔案匯入"):
        assert text in html, text
    for form in ("depots", "vehicles", "drivers"):
        assert f'data-resource="{form}"' in html
    board = svc.client.get("/board", cookies={"smartdist_token": svc.token("t1", ["dispatcher"])})
    assert "前往車隊設定" in board.text and 'href="/board/fleet"' in board.text.replace("/dispatch", "")


def test_fleet_problems_carry_a_code_and_read_in_the_merchants_language(svc: ServiceUnderTest) -> None:
    headers = svc.headers("t1", ("dispatcher",))
    english = headers | {"Accept-Language": "en"}
    depot = svc.client.post("/api/v1/depots", json=DEPOT, headers=headers).json()
    taken = svc.client.post("/api/v1/depots", json=DEPOT, headers=headers)
    assert taken.status_code == 409
    assert (taken.json()["code"], taken.json()["detail"]) == ("dispatch.depot.code_taken", "倉庫代號 D1 已經存在。")
    missing = svc.client.get("/api/v1/vehicles/99", headers=english)
    assert (missing.status_code, missing.json()["detail"]) == (404, "No vehicle 99.")
    no_depot = svc.client.post("/api/v1/vehicles", json=VAN | {"depot_id": 99}, headers=headers).json()
    assert no_depot["errors"][0]["message"] == "找不到倉庫 99。"
    van = svc.client.post("/api/v1/vehicles", json=VAN | {"depot_id": depot["id"]}, headers=headers).json()
    late_start = svc.client.patch(f"/api/v1/vehicles/{van['id']}", json={"shift_start": "19:00"}, headers=headers)
    assert late_start.json()["errors"][0]["message"] == "下班時間必須晚於上班時間"
    cleared = svc.client.patch(f"/api/v1/vehicles/{van['id']}", json={"kind": None}, headers=headers).json()
    assert cleared["code"] == "dispatch.field.not_null" and cleared["errors"][0]["message"] == "這個欄位不能清空"
    # The board's one-order form shows the orders API's problems the same way.
    assert svc.client.post("/api/v1/orders", json=ORDER, headers=headers).status_code == 201
    again = svc.client.post("/api/v1/orders", json=ORDER, headers=headers)
    assert (again.status_code, again.json()["code"], again.json()["detail"]) == (
        409,
        "dispatch.sheet.order_exists",
        "訂單 A-1 已經存在",
    )
