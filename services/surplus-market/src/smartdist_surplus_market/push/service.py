"""Web Push use cases: the installation's VAPID key, subscriptions, and pushing a new listing.

A listing published by a seller someone favours queues one job in the seller's transaction
(``queue_listing_push``); the job (push/jobs.py) sends after the commit, with no transaction of
ours open during the HTTP calls, and removes the subscriptions the push service answered 404 or
410 for (expired or unsubscribed browsers).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smartdist.db import Database, utcnow
from smartdist.jobs import submit_job
from smartdist.problems import NotFound, Unprocessable
from smartdist.web.i18n import Translator
from smartdist_surplus_market.adapters.webpush import (
    Poster,
    PushResult,
    SandboxPushService,
    VapidKeys,
    generate_vapid_keys,
    send_push,
    valid_subscription_keys,
)
from smartdist_surplus_market.config import get_settings
from smartdist_surplus_market.messages import MESSAGES
from smartdist_surplus_market.push.models import PushSubscription, VapidKey

SEND_PUSH = "surplus-market.send_push"
SANDBOX = SandboxPushService()
_poster: list[Poster] = []  # tests hand in their TestClient; otherwise httpx


def use_poster(poster: Poster | None) -> None:
    _poster.clear()
    if poster is not None:
        _poster.append(poster)


class SubscriptionNotFound(NotFound):
    title = "No such push subscription"


def vapid_public_key(session: Session) -> str | None:
    row = session.get(VapidKey, 1)
    return row.public_key if row is not None else None


def vapid_keys(session: Session) -> VapidKeys:
    """The installation's key pair: made on first use (the migration makes it too), kept in the database."""
    row = session.get(VapidKey, 1)
    if row is None:
        made = generate_vapid_keys()
        try:
            with session.begin_nested():
                session.add(VapidKey(id=1, private_pem=made.private_pem, public_key=made.public_key))
                session.flush()
        except IntegrityError:  # another process made it first: use theirs
            pass
        row = session.get(VapidKey, 1)
        assert row is not None
    return VapidKeys(private_pem=row.private_pem, public_key=row.public_key)


def subscribe(
    session: Session, *, consumer_id: str, endpoint: str, p256dh: str, auth: str, lang: str
) -> PushSubscription:
    """Idempotent per endpoint: the browser's subscription (re)joins this consumer."""
    problem = valid_subscription_keys(p256dh, auth)
    if problem is not None:
        raise Unprocessable(
            f"the subscription's keys cannot be used: {problem}",
            code="surplus.push.bad_keys",
            params={"problem": problem},
            errors=[{"loc": ["body", "keys"], "message": problem, "code": "surplus.push_keys"}],
        )
    vapid_keys(session)
    row = session.scalar(select(PushSubscription).where(PushSubscription.endpoint == endpoint))
    if row is None:
        row = PushSubscription(endpoint=endpoint, consumer_id=consumer_id, p256dh=p256dh, auth=auth, lang=lang)
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
            return row
        except IntegrityError:
            row = session.scalar(select(PushSubscription).where(PushSubscription.endpoint == endpoint))
            assert row is not None
    row.consumer_id, row.p256dh, row.auth, row.lang = consumer_id, p256dh, auth, lang
    session.flush()
    return row


def subscriptions_of(session: Session, consumer_id: str) -> Sequence[PushSubscription]:
    return session.scalars(
        select(PushSubscription).where(PushSubscription.consumer_id == consumer_id).order_by(PushSubscription.id)
    ).all()


def unsubscribe(session: Session, *, consumer_id: str, subscription_id: str) -> None:
    row = session.get(PushSubscription, subscription_id)
    if row is None or row.consumer_id != consumer_id:
        raise SubscriptionNotFound(
            f"No push subscription {subscription_id}.", code="surplus.push.not_found", params={"id": subscription_id}
        )
    session.delete(row)
    session.flush()


def queue_listing_push(
    session: Session, *, consumer_ids: Sequence[str], listing_id: str, seller: str, title: str, price: int | None
) -> str | None:
    """A job (committed with the listing) that pushes the news to these consumers' browsers."""
    ids = sorted(set(consumer_ids))
    if not ids:
        return None
    subscribed = session.scalar(select(PushSubscription.id).where(PushSubscription.consumer_id.in_(ids)).limit(1))
    if subscribed is None:
        return None
    params = {"consumer_ids": ids, "listing_id": listing_id, "seller": seller, "title": title, "price": price}
    return submit_job(session, SEND_PUSH, params, created_by="surplus-market")


def listing_payload(params: dict[str, Any], lang: str, base_url: str) -> dict[str, Any]:
    t = Translator(lang, MESSAGES)
    texts = {"seller": params.get("seller") or "", "title": params.get("title") or "", "price": params.get("price")}
    return {
        "kind": "listing_published",
        "title": t("sm.push.listing.title", **texts),
        "body": t("sm.push.listing.body", **texts),
        "listing_id": params["listing_id"],
        "url": f"{base_url.rstrip('/')}/market#listing={params['listing_id']}" if base_url else "",
    }


@dataclass(frozen=True)
class PushSummary:
    sent: int
    removed: int
    failed: int


def send_listing_push(database: Database, params: dict[str, Any]) -> PushSummary:
    """The job's body: read the subscriptions and the key, send with no transaction open, tidy up."""
    settings = get_settings()
    with database.system_transaction() as session:
        keys = vapid_keys(session)
        subs = [
            (s.id, s.endpoint, s.p256dh, s.auth, s.lang)
            for s in session.scalars(
                select(PushSubscription).where(PushSubscription.consumer_id.in_(list(params["consumer_ids"])))
            )
        ]
    results: dict[str, PushResult] = {}
    poster = _poster[0] if _poster else None
    for sub_id, endpoint, p256dh, auth, lang in subs:
        payload = listing_payload(params, lang, settings.push_page_base_url)
        results[sub_id] = send_push(
            endpoint=endpoint, p256dh=p256dh, auth=auth, payload=payload, keys=keys,
            subject=settings.push_subject, poster=poster,
        )  # fmt: skip
    gone = [sub_id for sub_id, result in results.items() if result.gone]
    with database.system_transaction() as session:
        now = utcnow()
        for sub_id, result in results.items():
            row = session.get(PushSubscription, sub_id)
            if row is not None:
                row.last_sent_at, row.last_status = now, result.status
        if gone:
            session.execute(delete(PushSubscription).where(PushSubscription.id.in_(gone)))
    delivered = sum(1 for r in results.values() if r.delivered)
    return PushSummary(sent=delivered, removed=len(gone), failed=len(results) - delivered - len(gone))
