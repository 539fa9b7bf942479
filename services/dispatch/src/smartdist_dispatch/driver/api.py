"""JSON endpoints of the driver's phone (mounted under /api/v1): today's routes, stop outcomes, proofs, GPS.

Drivers act on their own routes (found by their sign-in's subject); a dispatcher or the owner may
act for any driver, naming one with ``?driver_id=`` where the endpoint needs to know whose day it is.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import AwareDatetime

from smartdist.auth import Principal, require_roles
from smartdist.db import ScopedSession
from smartdist.idempotency import Idempotency
from smartdist.problems import Unprocessable, problem_responses
from smartdist.timeparams import TAIPEI
from smartdist.web.deps import DbSession, IdempotencyDep, IntId
from smartdist_dispatch.driver.domain import Action
from smartdist_dispatch.driver.schemas import (
    AcceptedBreadcrumbs,
    ArriveIn,
    BreadcrumbIn,
    DeliverIn,
    FailIn,
    NoticeOut,
    Occurred,
    ProofOut,
    StopAnswer,
    TodaysRoutes,
)
from smartdist_dispatch.driver.service import (
    MAX_PROOF_BYTES,
    acknowledge_notice,
    act_on_stop,
    acting_driver,
    add_breadcrumbs,
    add_proof,
    check_image,
    proof_file,
    todays_routes,
)
from smartdist_dispatch.fleet.schemas import MAX_ID

router = APIRouter(prefix="/driver", tags=["driver"])

DriverOrDispatcher = Annotated[Principal, require_roles("driver", "dispatcher")]
DriverId = Annotated[int | None, Query(ge=1, le=MAX_ID, description="Dispatcher or owner: act for this driver.")]


def _data_dir(request: Request) -> Path:
    return Path(request.app.state.runtime.settings.resolved_data_dir())


# Naming a driver (?driver_id=) that does not exist is a 404, also where the path names nothing.
NAMED_DRIVER = problem_responses(404)


@router.get("/routes/today", response_model=TodaysRoutes, responses=NAMED_DRIVER)
def get_todays_routes(
    session: DbSession,
    principal: DriverOrDispatcher,
    day: Annotated[date | None, Query(alias="date", description="YYYY-MM-DD; today in Asia/Taipei if left out")] = None,
    driver_id: DriverId = None,
) -> dict[str, Any]:
    """The driver's published routes of the day: stops in driving order, ETAs, cash, notices."""
    driver = acting_driver(session, principal, driver_id)
    if driver is None:
        raise Unprocessable(
            "Your sign-in is not a driver's: name the driver.",
            errors=[{"loc": ["query", "driver_id"], "message": "required for a dispatcher"}],
        )
    return todays_routes(session, driver, day or datetime.now(TAIPEI).date())


def _act(
    session: ScopedSession,
    principal: Principal,
    idem: Idempotency,
    stop_id: int,
    action: Action,
    body: Occurred,
    driver_id: int | None,
) -> Any:
    if idem.replay is not None:
        return idem.replay
    driver = acting_driver(session, principal, driver_id)
    answer = act_on_stop(session, stop_id, action, body, driver, tenant_id=str(principal.tenant_id))
    return idem.save(200, answer)


@router.post("/stops/{stop_id}/arrive", response_model=StopAnswer)
def arrive(
    stop_id: IntId,
    body: ArriveIn,
    session: DbSession,
    principal: DriverOrDispatcher,
    idem: IdempotencyDep,
    driver_id: DriverId = None,
) -> Any:
    """The driver is at the stop (the route starts with its first arrival)."""
    return _act(session, principal, idem, stop_id, Action.ARRIVE, body, driver_id)


@router.post("/stops/{stop_id}/deliver", response_model=StopAnswer)
def deliver(
    stop_id: IntId,
    body: DeliverIn,
    session: DbSession,
    principal: DriverOrDispatcher,
    idem: IdempotencyDep,
    driver_id: DriverId = None,
) -> Any:
    """Delivered: who took it and the cash collected (required when the order has cash to collect;
    a different amount is kept and flagged as ``cash_exception``). A repeat answers the stop as it is;
    delivering a failed stop is a 409."""
    return _act(session, principal, idem, stop_id, Action.DELIVER, body, driver_id)


@router.post("/stops/{stop_id}/fail", response_model=StopAnswer)
def fail(
    stop_id: IntId,
    body: FailIn,
    session: DbSession,
    principal: DriverOrDispatcher,
    idem: IdempotencyDep,
    driver_id: DriverId = None,
) -> Any:
    """Not delivered, with a reason code (``other`` needs a note). Failing a delivered stop is a 409."""
    return _act(session, principal, idem, stop_id, Action.FAIL, body, driver_id)


@router.post(
    "/stops/{stop_id}/proofs",
    status_code=201,
    response_model=ProofOut,
    responses={200: {"model": ProofOut, "description": "These bytes were stored already"}, **problem_responses(413)},
)
def upload_proof(
    stop_id: IntId,
    request: Request,
    session: DbSession,
    principal: DriverOrDispatcher,
    idem: IdempotencyDep,
    kind: Annotated[Literal["signature", "photo"], Form(description="signature or photo")],
    file: Annotated[UploadFile, File(description="PNG, JPEG or WebP, at most 5 MB")],
    taken_at: Annotated[AwareDatetime | None, Form(description="When it was taken on the phone")] = None,
    driver_id: DriverId = None,
) -> Any:
    """Attach a signature or photo to a stop: 201 when stored, 200 when these bytes are already there."""
    if idem.replay is not None:
        return idem.replay
    driver = acting_driver(session, principal, driver_id)
    file.file.seek(0)  # the Idempotency-Key fingerprint has read it already
    data = file.file.read(MAX_PROOF_BYTES + 1)
    content_type = check_image(data, file.content_type)
    proof, created = add_proof(
        session,
        stop_id,
        driver,
        kind=kind,
        content_type=content_type,
        data=data,
        taken_at=taken_at,
        data_dir=_data_dir(request),
        tenant_id=str(principal.tenant_id),
    )
    return idem.save(201 if created else 200, proof)


@router.get(
    "/stops/{stop_id}/proofs/{proof_id}",
    response_class=Response,
    responses={200: {"content": {"image/png": {}, "image/jpeg": {}, "image/webp": {}}}},
)
def get_proof(
    stop_id: IntId,
    proof_id: IntId,
    request: Request,
    session: DbSession,
    principal: DriverOrDispatcher,
    driver_id: DriverId = None,
) -> Response:
    """The proof's image bytes, for the stop's driver or a dispatcher."""
    driver = acting_driver(session, principal, driver_id)
    data, content_type = proof_file(session, stop_id, proof_id, driver, _data_dir(request))
    return Response(data, media_type=content_type, headers={"Cache-Control": "private, max-age=3600"})


@router.post("/routes/{route_id}/breadcrumbs", response_model=AcceptedBreadcrumbs)
def post_breadcrumbs(
    route_id: IntId,
    points: Annotated[list[BreadcrumbIn], Body(min_length=1, max_length=1000)],
    session: DbSession,
    principal: DriverOrDispatcher,
    driver_id: DriverId = None,
) -> Any:
    """A batch of GPS positions from the phone; positions already stored (same recorded_at) are skipped."""
    driver = acting_driver(session, principal, driver_id)
    return add_breadcrumbs(session, route_id, driver, points)


@router.post("/notices/{notice_id}/ack", response_model=NoticeOut)
def ack_notice(
    notice_id: IntId, session: DbSession, principal: DriverOrDispatcher, driver_id: DriverId = None
) -> NoticeOut:
    """The driver has seen a route change (rush stop, re-plan); acknowledging again changes nothing."""
    driver = acting_driver(session, principal, driver_id)
    return acknowledge_notice(session, notice_id, driver)
