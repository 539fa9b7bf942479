"""Dispatch's capacity check, asked before the merchant's own fleet is offered in a quote.

`POST {dispatch}/api/v1/own-fleet/capacity-checks` `{dropoff, scheduled_at}` answers whether a van
can take the trip inside the window an own-fleet booking gets, within its shift (`can_take`, else
a `reason_code`: no_vehicle, no_driver, no_depot, capacity, shift_over, time_window). Dispatch
that cannot be reached, or answers anything but 200, cannot take it either (`unreachable`): the
own fleet is then not offered, and a platform is recommended instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from smartdist_delivery_broker.adapters.port import TripRequest

UNREACHABLE = "unreachable"
PATH = "/api/v1/own-fleet/capacity-checks"


@dataclass(frozen=True)
class CapacityAnswer:
    can_take: bool
    reason_code: str | None = None
    reason: str = ""


class DispatchCapacity:
    """Asks one dispatch service, as the merchant (a service token per tenant)."""

    def __init__(
        self,
        base_url: str,
        token_for: Callable[[str], str],
        *,
        timeout_s: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._token_for = token_for
        self._timeout_s = timeout_s
        self._transport = transport

    async def check(self, tenant_id: str, trip: TripRequest) -> CapacityAnswer:
        body: dict[str, Any] = {"dropoff": {"lat": trip.dropoff.lat, "lng": trip.dropoff.lng}}
        if trip.scheduled_at is not None:
            body["scheduled_at"] = trip.scheduled_at.isoformat()
        try:
            headers = {"Authorization": f"Bearer {self._token_for(tenant_id)}"}
            async with httpx.AsyncClient(
                base_url=self.base_url, timeout=self._timeout_s, headers=headers, transport=self._transport
            ) as client:
                answer = await client.post(PATH, json=body)
        except (httpx.HTTPError, OSError, RuntimeError) as exc:
            return CapacityAnswer(False, UNREACHABLE, f"dispatch could not be reached ({type(exc).__name__})")
        if answer.status_code != 200:
            return CapacityAnswer(False, UNREACHABLE, f"dispatch answered {answer.status_code}")
        try:
            data = answer.json()
            can_take = bool(data["can_take"])
        except (ValueError, KeyError, TypeError):
            return CapacityAnswer(False, UNREACHABLE, "dispatch's answer does not read")
        code = data.get("reason_code")
        return CapacityAnswer(can_take, None if can_take else str(code or "refused"), str(data.get("reason") or ""))
