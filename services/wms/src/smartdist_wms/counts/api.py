"""/api/v1/cycle-counts: count tasks, blind counts, variance approval by the owner."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from smartdist.pagination import Cursor, Limit, Page
from smartdist.problems import problem_responses
from smartdist.web.deps import DbSession, IdempotencyDep, IntId
from smartdist_wms.counts import repository, service
from smartdist_wms.counts.schemas import CountIn, CountStatus, CountTaskIn, CountTaskOut
from smartdist_wms.staff.roles import Floor, Owner, Reader

router = APIRouter(tags=["cycle counts"])


@router.post(
    "/cycle-counts",
    status_code=status.HTTP_201_CREATED,
    response_model=CountTaskOut,
    responses=problem_responses(409, 422),
)
def post_task(body: CountTaskIn, session: DbSession, principal: Floor, idem: IdempotencyDep) -> Any:
    """Open a count task for a location (it takes no new allocations until the task closes)."""
    if idem.replay is not None:
        return idem.replay
    return idem.save(201, service.task_out(service.open_task(session, body.location)))


@router.get("/cycle-counts", response_model=Page[CountTaskOut])
def list_tasks(
    session: DbSession, principal: Reader, status: CountStatus | None = None, limit: Limit = 50, cursor: Cursor = None
) -> Page[CountTaskOut]:
    """Count tasks, newest first."""
    return repository.page(session, status=status, limit=limit, cursor=cursor, serialize=service.task_out)


@router.get("/cycle-counts/{task_id}", response_model=CountTaskOut, responses=problem_responses(404))
def get_task(task_id: IntId, session: DbSession, principal: Reader) -> CountTaskOut:
    """One count task; the books' figures stay hidden until the count is entered (blind count)."""
    return service.task_out(service.get_task(session, task_id))


@router.post("/cycle-counts/{task_id}/count", response_model=CountTaskOut, responses=problem_responses(404, 409, 422))
def post_count(task_id: IntId, body: CountIn, session: DbSession, principal: Floor, idem: IdempotencyDep) -> Any:
    """Enter what was found in the location; what is not listed counts 0."""
    if idem.replay is not None:
        return idem.replay
    return idem.save(200, service.task_out(service.enter_count(session, task_id, body, by=principal.subject)))


@router.post("/cycle-counts/{task_id}/approve", response_model=CountTaskOut, responses=problem_responses(403, 404, 409))
def post_approve(task_id: IntId, session: DbSession, principal: Owner, idem: IdempotencyDep) -> Any:
    """Owner: accept the variance; stock becomes what was counted."""
    if idem.replay is not None:
        return idem.replay
    return idem.save(200, service.task_out(service.close_task(session, task_id, approve=True, by=principal.subject)))


@router.post("/cycle-counts/{task_id}/reject", response_model=CountTaskOut, responses=problem_responses(403, 404, 409))
def post_reject(task_id: IntId, session: DbSession, principal: Owner, idem: IdempotencyDep) -> Any:
    """Owner: refuse the count; stock stays as it was."""
    if idem.replay is not None:
        return idem.replay
    return idem.save(200, service.task_out(service.close_task(session, task_id, approve=False, by=principal.subject)))
