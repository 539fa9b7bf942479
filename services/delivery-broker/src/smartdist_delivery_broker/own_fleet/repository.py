"""The tenant's own-fleet terms in the database (read by quoting and booking, written by PUT /own-fleet)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartdist.db import Database
from smartdist_delivery_broker.own_fleet.domain import OwnFleetTerms
from smartdist_delivery_broker.own_fleet.models import OwnFleetSettingRow


def _terms(row: OwnFleetSettingRow) -> OwnFleetTerms:
    return OwnFleetTerms(
        enabled=row.enabled,
        fee_twd=row.fee_twd,
        max_distance_m=row.max_distance_m,
        cod_allowed=row.cod_allowed,
        service_start=row.service_start,
        service_end=row.service_end,
    )


def own_fleet_terms(session: Session) -> OwnFleetTerms | None:
    """The session tenant's terms, or None when it never set them up."""
    row = session.scalar(select(OwnFleetSettingRow))
    return None if row is None else _terms(row)


def offered_own_fleet(database: Database, tenant_id: str) -> OwnFleetTerms | None:
    """The terms when the tenant offers its own fleet; read in a short transaction of its own."""
    with database.tenant_session(tenant_id) as session:
        terms = own_fleet_terms(session)
    return terms if terms is not None and terms.enabled else None


def own_fleet_row(session: Session) -> OwnFleetSettingRow | None:
    return session.scalar(select(OwnFleetSettingRow))


def save_own_fleet_terms(session: Session, values: dict[str, Any]) -> OwnFleetSettingRow:
    row = session.scalar(select(OwnFleetSettingRow).with_for_update())
    if row is None:
        row = OwnFleetSettingRow(**values)
        session.add(row)
    else:
        for name, value in values.items():
            setattr(row, name, value)
    session.flush()
    return row
