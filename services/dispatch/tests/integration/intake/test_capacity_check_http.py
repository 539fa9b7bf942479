"""POST /api/v1/own-fleet/capacity-checks: the broker asks before it offers the own fleet (issue 13:
at 19:20 Taipei every shift is over, so the own fleet must not be offered). SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from smartdist.testing.platform import ServiceUnderTest
from smartdist.timeparams import TAIPEI
from smartdist_dispatch.app import DEFINITION
from smartdist_dispatch.intake import api as intake_api

DROPOFF = {"lat": 25.07, "lng": 121.58}


@pytest.fixture
def svc(service_factory) -> Iterator[ServiceUnderTest]:  # type: ignore[no-untyped-def]
    definition = DEFINITION
    if intake_api.router not in DEFINITION.routers:
        definition = replace(DEFINITION, routers=[*DEFINITION.routers, intake_api.router])
    with service_factory(definition) as started:
        yield started


def fleet(svc: ServiceUnderTest, tenant: str) -> None:
    headers = svc.headers(tenant, ("dispatcher",))
    depot = svc.client.post("/api/v1/depots", json={"code": "D1", "name": "內湖倉", "lat": 25.08, "lng": 121.57},
                            headers=headers).json()  # fmt: skip
    van = {"code": "V1", "kind": "van", "capacity_weight_kg": 800, "capacity_volume_l": 3000, "capacity_boxes": 20,
           "shift_start": "08:00", "shift_end": "18:00", "depot_id": depot["id"]}  # fmt: skip
    vehicle = svc.client.post("/api/v1/vehicles", json=van, headers=headers).json()
    driver = {"code": "DR1", "name": "司機一", "vehicle_id": vehicle["id"]}
    assert svc.client.post("/api/v1/drivers", json=driver, headers=headers).status_code == 201


def check(svc: ServiceUnderTest, tenant: str, at: datetime, roles: tuple[str, ...] = ("integrator",)) -> Any:
    body = {"dropoff": DROPOFF, "scheduled_at": at.isoformat()}
    return svc.client.post("/api/v1/own-fleet/capacity-checks", json=body, headers=svc.headers(tenant, roles))


def test_a_van_in_its_shift_can_take_it_and_none_can_once_every_shift_is_over(svc: ServiceUnderTest) -> None:
    tenant, other = svc.new_tenant(), svc.new_tenant()
    fleet(svc, tenant)
    tomorrow = datetime.now(TAIPEI).date() + timedelta(days=1)
    morning = datetime.combine(tomorrow, datetime.min.time(), tzinfo=TAIPEI) + timedelta(hours=10)
    ok = check(svc, tenant, morning)
    assert ok.status_code == 200, ok.text
    assert ok.json()["can_take"] is True and ok.json()["vehicle_code"] == "V1"
    evening = morning + timedelta(hours=9, minutes=20)  # 19:20 Taipei
    late = check(svc, tenant, evening).json()
    assert (late["can_take"], late["reason_code"]) == (False, "shift_over")
    assert datetime.fromisoformat(late["window_start"]) == evening
    # Another merchant's vans are not this one's.
    assert check(svc, other, morning).json()["reason_code"] == "no_vehicle"


def test_bad_input_is_422_and_a_clerk_may_not_ask(svc: ServiceUnderTest) -> None:
    tenant = svc.new_tenant()
    headers = svc.headers(tenant, ("integrator",))
    bad = svc.client.post("/api/v1/own-fleet/capacity-checks", json={"dropoff": {"lat": 91, "lng": 0}}, headers=headers)
    assert bad.status_code == 422
    naive = {"dropoff": DROPOFF, "scheduled_at": "2026-12-04T10:00:00"}
    assert svc.client.post("/api/v1/own-fleet/capacity-checks", json=naive, headers=headers).status_code == 422
    assert check(svc, tenant, datetime.now(TAIPEI), roles=("clerk",)).status_code == 403
