"""HTTP of the broker intake: the delivery broker asks, before it offers the merchant's own fleet
in a quote, whether a van can take the trip within its shift (server to server, the broker's
service token for the merchant)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter

from smartdist.auth import Principal, require_roles
from smartdist.web.deps import DbSession
from smartdist_dispatch.intake import service
from smartdist_dispatch.intake.capacity import Load
from smartdist_dispatch.intake.schemas import CapacityCheckIn, CapacityCheckOut

router = APIRouter(tags=["own fleet"])
Asker = Annotated[Principal, require_roles("dispatcher", "integrator")]


@router.post("/own-fleet/capacity-checks", response_model=CapacityCheckOut)
def check_capacity(body: CapacityCheckIn, session: DbSession, principal: Asker) -> Any:
    """Can a van take this trip within its shift, inside the window an own-fleet booking gets?
    `can_take`, else a reason code (no_vehicle, no_driver, no_depot, capacity, shift_over,
    time_window). Stores nothing."""
    answer = service.check_capacity(
        session,
        (body.dropoff.lat, body.dropoff.lng),
        body.scheduled_at,
        Load(weight_kg=body.weight_kg, volume_l=body.volume_l, boxes=body.boxes),
    )
    return CapacityCheckOut.model_validate(answer)
