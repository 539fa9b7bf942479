"""/api/v1/favourites and /api/v1/notifications: a consumer's favourite sellers and their new listings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status
from fastapi.responses import Response

from smartdist.auth import CurrentPrincipal, Principal
from smartdist.problems import Forbidden, NotFound, problem_responses
from smartdist.web.deps import SystemDbSession
from smartdist_surplus_market.favourites import service
from smartdist_surplus_market.favourites.schemas import (
    FavouriteIn,
    FavouriteList,
    FavouriteOut,
    NotificationList,
    NotificationOut,
    ReadIn,
    ReadOut,
)

router = APIRouter(tags=["favourites"])


def consumer(principal: CurrentPrincipal) -> Principal:
    if principal.kind != "consumer":
        raise Forbidden("Favourites are for consumer accounts.", code="surplus.favourites.consumers_only")
    return principal


Consumer = Annotated[Principal, Depends(consumer)]


@router.post(
    "/favourites",
    status_code=status.HTTP_201_CREATED,
    response_model=FavouriteOut,
    responses=problem_responses(401, 403, 404, 422),
)
def add_favourite(body: FavouriteIn, session: SystemDbSession, principal: Consumer) -> FavouriteOut:
    """Favour a seller: its new listings then notify the consumer (favouring twice keeps one)."""
    if not service.seller_known(session, body.seller_id):
        raise NotFound(f"No seller {body.seller_id}.", code="surplus.seller.not_found", params={"id": body.seller_id})
    favourite = service.add_favourite(session, consumer_id=principal.subject, seller_id=body.seller_id)
    return service.favourite_out(session, favourite)


@router.get("/favourites", response_model=FavouriteList, responses=problem_responses(401, 403))
def list_favourites(session: SystemDbSession, principal: Consumer) -> FavouriteList:
    """The consumer's favourite sellers."""
    return FavouriteList(
        items=[service.favourite_out(session, f) for f in service.favourites_of(session, principal.subject)]
    )


@router.delete(
    "/favourites/{seller_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(401, 403, 404)
)
def remove_favourite(seller_id: str, session: SystemDbSession, principal: Consumer) -> Response:
    if not service.remove_favourite(session, consumer_id=principal.subject, seller_id=seller_id):
        raise NotFound(
            f"{seller_id} is not among your favourites.", code="surplus.favourites.not_found", params={"id": seller_id}
        )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/notifications", response_model=NotificationList, responses=problem_responses(401, 403))
def list_notifications(
    session: SystemDbSession,
    principal: Consumer,
    unread: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> NotificationList:
    """In-app notices: a favourite seller listed something."""
    rows = service.notifications_of(session, principal.subject, unread_only=unread, limit=limit)
    return NotificationList(
        items=[NotificationOut.model_validate(r) for r in rows], unread=service.unread_count(session, principal.subject)
    )


@router.post("/notifications/read", response_model=ReadOut, responses=problem_responses(401, 403, 422))
def mark_read(body: ReadIn, session: SystemDbSession, principal: Consumer) -> ReadOut:
    return ReadOut(marked=service.mark_read(session, principal.subject, body.ids))
