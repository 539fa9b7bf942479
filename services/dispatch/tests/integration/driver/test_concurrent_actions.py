"""Actions racing on one route (a phone replaying its queue while the driver taps again, two stops
closing at once) on SQLite and PostgreSQL: each outcome and the route's completion happen once."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from smartdist.bus.models import OutboxEvent
from smartdist.problems import Problem
from smartdist_dispatch.driver.domain import Action
from smartdist_dispatch.driver.schemas import DeliverIn
from smartdist_dispatch.driver.service import act_on_stop
from smartdist_dispatch.fleet.models import Driver


def race(day: Any, stop_ids: list[int]) -> list[Any]:
    """Deliver ``stop_ids`` from as many threads at the same moment; each thread's answer or error."""
    barrier = threading.Barrier(len(stop_ids))
    answers: list[Any] = [None] * len(stop_ids)
    occurred = datetime.now(UTC) - timedelta(minutes=5)

    def deliver(k: int) -> None:
        body = DeliverIn(occurred_at=occurred, recipient_name="王", cash_collected_twd=500)
        barrier.wait()
        try:
            with day.svc.database.tenant_transaction(day.tenant) as session:
                driver = session.scalars(select(Driver).where(Driver.code == "DR1")).one()
                answers[k] = act_on_stop(session, stop_ids[k], Action.DELIVER, body, driver, tenant_id=day.tenant)
        except (Problem, Exception) as exc:  # noqa: BLE001 - the test reports whatever a thread hit
            answers[k] = exc

    threads = [threading.Thread(target=deliver, args=(k,)) for k in range(len(stop_ids))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return answers


def event_data(day: Any, type_: str) -> list[dict[str, Any]]:
    with day.svc.database.tenant_transaction(day.tenant) as session:
        rows = session.scalars(
            select(OutboxEvent).where(OutboxEvent.type == type_, OutboxEvent.tenant_id == day.tenant)
        )
        return [json.loads(r.payload)["data"] for r in rows]


def test_the_same_delivery_twice_at_once_is_delivered_once(day: Any) -> None:
    a0 = day.stop("A-0")["id"]
    answers = race(day, [a0, a0, a0])
    assert all(isinstance(a, dict) for a in answers), answers
    assert sorted(a["replayed"] for a in answers) == [False, True, True]
    assert [e["stop_id"] for e in event_data(day, "smartdist.dispatch.stop.delivered")] == [a0]


def test_the_last_stops_closing_at_once_complete_the_route_once(day: Any) -> None:
    stops = [day.stop(no)["id"] for no in ("A-0", "A-1", "A-2")]
    answers = race(day, stops)
    assert all(isinstance(a, dict) and not a["replayed"] for a in answers), answers
    assert sorted(e["stop_id"] for e in event_data(day, "smartdist.dispatch.stop.delivered")) == sorted(stops)
    completed = event_data(day, "smartdist.dispatch.route.completed")
    assert [(e["route_id"], e["delivered"], e["failed"]) for e in completed] == [(day.route("V1")["id"], 3, 0)]
