"""/api/v1/push: the VAPID key and consumers' browser subscriptions; /api/v1/push-sandbox: a push
service that plays a browser, for tests and the demo (records what it receives, decrypted)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import Response

from smartdist.auth import CurrentPrincipal, Principal
from smartdist.problems import Forbidden, NotFound, Problem, problem_responses
from smartdist.web.deps import SystemDbSession
from smartdist.web.i18n import language_for
from smartdist_surplus_market.adapters.webpush import PushRefused
from smartdist_surplus_market.config import get_settings
from smartdist_surplus_market.push import service
from smartdist_surplus_market.push.schemas import (
    SandboxMessageOut,
    SandboxMessages,
    SandboxSubscriptionOut,
    SubscriptionIn,
    SubscriptionList,
    SubscriptionOut,
    VapidKeyOut,
)

router = APIRouter(tags=["push"])


def consumer(principal: CurrentPrincipal) -> Principal:
    if principal.kind != "consumer":
        raise Forbidden("Push notifications are for consumer accounts.", code="surplus.push.consumers_only")
    return principal


Consumer = Annotated[Principal, Depends(consumer)]


class NoVapidKey(Problem):
    status = 503
    title = "Web Push is not set up yet"


def _refusal(status_code: int) -> type[Problem]:
    """The push service's answer to a message it will not take (RFC 8030 / 8292 statuses)."""
    return type(f"PushRefused{status_code}", (Problem,), {"status": status_code, "title": "Push message refused"})


REFUSALS = {code: _refusal(code) for code in (400, 401, 403, 410, 415)}


@router.get("/push/vapid-public-key", response_model=VapidKeyOut, responses=problem_responses(503))
def vapid_public_key(session: SystemDbSession) -> VapidKeyOut:
    """The installation's VAPID public key: the page's ``applicationServerKey``."""
    key = service.vapid_public_key(session)
    if key is None:
        raise NoVapidKey("No VAPID key yet: run the migrations.", code="surplus.push.no_key")
    return VapidKeyOut(public_key=key)


@router.post(
    "/push/subscriptions",
    status_code=status.HTTP_201_CREATED,
    response_model=SubscriptionOut,
    responses=problem_responses(401, 403, 422),
)
def subscribe(body: SubscriptionIn, request: Request, session: SystemDbSession, principal: Consumer) -> SubscriptionOut:
    """Keep this browser's PushSubscription: new listings of favourite sellers are pushed to it."""
    row = service.subscribe(
        session,
        consumer_id=principal.subject,
        endpoint=body.endpoint,
        p256dh=body.keys.p256dh,
        auth=body.keys.auth,
        lang=language_for(request),
    )
    return SubscriptionOut.model_validate(row)


@router.get("/push/subscriptions", response_model=SubscriptionList, responses=problem_responses(401, 403))
def list_subscriptions(session: SystemDbSession, principal: Consumer) -> SubscriptionList:
    """The consumer's browsers that get pushes."""
    rows = service.subscriptions_of(session, principal.subject)
    return SubscriptionList(items=[SubscriptionOut.model_validate(r) for r in rows])


@router.delete(
    "/push/subscriptions/{subscription_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problem_responses(401, 403, 404),
)
def unsubscribe(subscription_id: str, session: SystemDbSession, principal: Consumer) -> Response:
    """Stop pushes to one browser."""
    service.unsubscribe(session, consumer_id=principal.subject, subscription_id=subscription_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- the sandbox push service ----------------------------------------------------------------


def _sandbox_on() -> None:
    if not get_settings().push_sandbox:
        raise NotFound(
            "The sandbox push service is off (SMARTDIST_SURPLUS_MARKET_PUSH_SANDBOX).", code="surplus.push.sandbox_off"
        )


def _origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


@router.post(
    "/push-sandbox/subscriptions",
    status_code=status.HTTP_201_CREATED,
    response_model=SandboxSubscriptionOut,
    responses=problem_responses(401, 404),
)
def sandbox_subscribe(request: Request, principal: CurrentPrincipal) -> SandboxSubscriptionOut:
    """A browser's PushSubscription on the sandbox push service (its endpoint and keys)."""
    _sandbox_on()
    made = service.SANDBOX.subscribe(str(request.url_for("sandbox_receive", subscription_id="x")).rsplit("/", 1)[0])
    return SandboxSubscriptionOut(**made)


@router.post(
    "/push-sandbox/{subscription_id}",
    status_code=status.HTTP_201_CREATED,
    response_class=Response,
    responses={201: {"description": "Accepted (RFC 8030 §5)."}, **problem_responses(400, 401, 403, 404, 410, 415)},
    openapi_extra={"security": []},
)
async def sandbox_receive(subscription_id: str, request: Request) -> Response:
    """The push service's endpoint: checks the VAPID signature, decrypts (aes128gcm) and records."""
    _sandbox_on()
    body = await request.body()
    try:
        service.SANDBOX.receive(subscription_id, headers=dict(request.headers), body=body, origin=_origin(request))
    except PushRefused as refused:
        raise REFUSALS.get(refused.status, REFUSALS[400])(refused.reason) from refused
    return Response(status_code=status.HTTP_201_CREATED)


@router.get(
    "/push-sandbox/{subscription_id}/messages", response_model=SandboxMessages, responses=problem_responses(401, 404)
)
def sandbox_messages(subscription_id: str, principal: CurrentPrincipal) -> SandboxMessages:
    """What the sandbox subscription received, decrypted, newest last."""
    _sandbox_on()
    found = service.SANDBOX.messages(subscription_id)
    if found is None:
        raise NotFound(
            f"No sandbox subscription {subscription_id}.", code="surplus.push.not_found", params={"id": subscription_id}
        )
    return SandboxMessages(items=[SandboxMessageOut(**vars(m)) for m in found])


@router.post(
    "/push-sandbox/{subscription_id}/expire",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problem_responses(401, 404),
)
def sandbox_expire(subscription_id: str, principal: CurrentPrincipal) -> Response:
    """From now on the subscription's endpoint answers 410 Gone, like an unsubscribed browser's."""
    _sandbox_on()
    if not service.SANDBOX.expire(subscription_id):
        raise NotFound(
            f"No sandbox subscription {subscription_id}.", code="surplus.push.not_found", params={"id": subscription_id}
        )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
