"""/api/v1/pick-waves: release orders together, pick lists per order / batch / zone, picks by scan."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from smartdist.pagination import Cursor, Limit, Page
from smartdist.problems import problem_responses
from smartdist.web.deps import DbSession, IdempotencyDep, IntId
from smartdist_wms.staff.roles import Floor, Reader, Writer
from smartdist_wms.waves import repository, service
from smartdist_wms.waves.schemas import WaveIn, WaveOut, WavePickIn, WavePickListOut, WavePickOut, WaveStatus

router = APIRouter(tags=["pick waves"])


@router.post(
    "/pick-waves", status_code=status.HTTP_201_CREATED, response_model=WaveOut, responses=problem_responses(409, 422)
)
def post_wave(body: WaveIn, session: DbSession, principal: Writer, idem: IdempotencyDep) -> Any:
    """Release orders together (tote 1, 2 ... in the order given); unallocated ones are allocated now."""
    if idem.replay is not None:
        return idem.replay
    wave = service.release(session, body, by=principal.subject)
    return idem.save(201, service.wave_out(session, wave))


@router.get("/pick-waves", response_model=Page[WaveOut])
def list_waves(
    session: DbSession, principal: Reader, status: WaveStatus | None = None, limit: Limit = 50, cursor: Cursor = None
) -> Page[WaveOut]:
    """Pick waves, newest first."""
    return repository.page(
        session, status=status, limit=limit, cursor=cursor, serialize=lambda w: service.wave_out(session, w)
    )


@router.get("/pick-waves/{wave_id}", response_model=WaveOut, responses=problem_responses(404))
def get_wave(wave_id: IntId, session: DbSession, principal: Reader) -> WaveOut:
    """One wave with its orders and totes."""
    return service.wave_out(session, service.get_wave(session, wave_id))


@router.get("/pick-waves/{wave_id}/pick-list", response_model=WavePickListOut, responses=problem_responses(404))
def get_wave_pick_list(wave_id: IntId, session: DbSession, principal: Reader) -> WavePickListOut:
    """What to pick where, in walking order: one list per order, one for the batch, or one per zone."""
    return service.pick_list(session, service.get_wave(session, wave_id))


@router.post(
    "/pick-waves/{wave_id}/picks",
    status_code=status.HTTP_201_CREATED,
    response_model=WavePickOut,
    responses=problem_responses(404, 409, 422),
)
def post_wave_pick(wave_id: IntId, body: WavePickIn, session: DbSession, principal: Floor, idem: IdempotencyDep) -> Any:
    """Confirm a scan (location, then item): the answer says which totes take the units."""
    if idem.replay is not None:
        return idem.replay
    return idem.save(201, service.pick(session, wave_id, body))
