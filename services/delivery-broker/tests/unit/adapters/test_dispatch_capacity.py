"""Dispatch's capacity check as the broker reads it: a yes, a no with dispatch's reason code, and
anything else (an error status, an unreadable body, no answer) as `unreachable`."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import httpx

from smartdist_delivery_broker.adapters.dispatch import UNREACHABLE, DispatchCapacity
from smartdist_delivery_broker.adapters.port import Place, TripRequest

TRIP = TripRequest(Place(25.04, 121.54), Place(25.05, 121.52), 2750, scheduled_at=datetime(2026, 12, 5, 2, tzinfo=UTC))


def ask(handler: Any) -> Any:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)  # type: ignore[no-any-return]

    checker = DispatchCapacity("http://dispatch/dispatch", lambda tenant: f"token-{tenant}",
                               transport=httpx.MockTransport(record))  # fmt: skip
    return asyncio.run(checker.check("t1", TRIP)), seen


def test_a_yes_and_a_no_with_dispatchs_reason_code() -> None:
    yes, [request] = ask(lambda r: httpx.Response(200, json={"can_take": True}))
    assert yes.can_take and yes.reason_code is None
    assert request.url.path == "/dispatch/api/v1/own-fleet/capacity-checks"
    assert request.headers["authorization"] == "Bearer token-t1"
    assert json.loads(request.content) == {"dropoff": {"lat": 25.05, "lng": 121.52},
                                           "scheduled_at": "2026-12-05T02:00:00+00:00"}  # fmt: skip
    no, _ = ask(lambda r: httpx.Response(200, json={"can_take": False, "reason_code": "shift_over", "reason": "x"}))
    assert (no.can_take, no.reason_code, no.reason) == (False, "shift_over", "x")


def test_an_error_an_unreadable_answer_or_no_answer_is_unreachable() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    for handler in (lambda r: httpx.Response(404), lambda r: httpx.Response(200, text="<html>"), down):
        answer, _ = ask(handler)
        assert (answer.can_take, answer.reason_code) == (False, UNREACHABLE)
