"""Writing events into the transactional outbox.

The caller's transaction owns the event: :func:`publish` only adds and flushes, so the business
change and its event commit together or roll back together, and a bus outage at that moment
cannot lose the event (the relay sends it later).
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from smartdist.bus.envelope import CloudEvent
from smartdist.bus.models import OutboxEvent
from smartdist.db import TENANT_KEY, CrossTenantWrite

_WROTE_EVENTS = "smartdist.bus.wrote_events"
_wakeups: weakref.WeakKeyDictionary[Engine, threading.Event] = weakref.WeakKeyDictionary()
_wakeups_lock = threading.Lock()


def relay_wakeup(engine: Engine) -> threading.Event:
    """Set whenever a transaction of this process that published events on ``engine`` commits.

    The relay of that database waits on it, so an event leaves within milliseconds of its
    commit instead of at the relay's next poll (the poll remains for other processes' writes).
    """
    with _wakeups_lock:
        wakeup = _wakeups.get(engine)
        if wakeup is None:
            wakeup = _wakeups[engine] = threading.Event()
        return wakeup


@sa_event.listens_for(Session, "after_commit")
def _wake_relay(session: Session) -> None:
    if session.info.pop(_WROTE_EVENTS, False):
        bind = session.get_bind()
        engine = bind if isinstance(bind, Engine) else bind.engine
        with _wakeups_lock:
            wakeup = _wakeups.get(engine)
        if wakeup is not None:
            wakeup.set()


@sa_event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back_events(session: Session, previous_transaction: Any) -> None:
    session.info.pop(_WROTE_EVENTS, None)


def publish(
    session: Session,
    *,
    type: str,  # noqa: A002 - the CloudEvents attribute is called "type"
    subject: str | None,
    data: dict[str, Any],
    tenant_id: str | None,
    source: str | None = None,
) -> CloudEvent:
    """Add a CloudEvent to the outbox in ``session``'s transaction; never commits.

    In a session opened for one tenant the event must belong to that tenant: a request of
    merchant A announcing something about merchant B would leak B's data to A's subscribers.
    """
    scoped_tenant = session.info.get(TENANT_KEY)
    if scoped_tenant is not None and tenant_id != scoped_tenant:
        raise CrossTenantWrite(f"an event for tenant {tenant_id!r} cannot be published in a session of another")
    event = CloudEvent.create(type=type, subject=subject, data=data, tenant_id=tenant_id, source=source)
    session.add(
        OutboxEvent(
            event_id=event.id,
            type=event.type,
            subject=event.subject,
            tenant_id=event.tenantid,
            payload=event.to_json(),
            created_at=event.time,
            attempts=0,
        )
    )
    session.flush()
    session.info[_WROTE_EVENTS] = True
    return event
