"""/api/v1/reports/stores/{id}: the merchant's figures for one virtual store."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import AwareDatetime

from smartdist.auth import Principal, require_roles
from smartdist.web.deps import DbSession
from smartdist_virtual_store.reports import service
from smartdist_virtual_store.reports.schemas import StoreReport

Staff = Annotated[Principal, require_roles("clerk", "integrator")]
router = APIRouter(tags=["reports"])


@router.get("/reports/stores/{store_id}", response_model=StoreReport)
def store_report(
    store_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")],
    session: DbSession,
    principal: Staff,
    start: Annotated[AwareDatetime | None, Query(alias="from", description="RFC 3339, inclusive")] = None,
    end: Annotated[AwareDatetime | None, Query(alias="to", description="RFC 3339, exclusive")] = None,
) -> StoreReport:
    """Views, unique views, views per scene, clicks per hotspot, coupons issued/claimed/redeemed, revenue."""
    return service.store_report(session, store_id, start, end)
