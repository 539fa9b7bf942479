"""/api/v1/scans: what a scanned code is (the PDA pages ask before acting)."""

from __future__ import annotations

from fastapi import APIRouter

from smartdist.problems import problem_responses
from smartdist.web.deps import DbSession
from smartdist_wms.scans import service
from smartdist_wms.scans.schemas import ScanIn, ScanOut
from smartdist_wms.staff.roles import Reader

router = APIRouter(tags=["scans"])


@router.post("/scans", response_model=ScanOut, responses=problem_responses(422))
def post_scan(body: ScanIn, session: DbSession, principal: Reader) -> ScanOut:
    """Resolve a scan to a location or a product (SKU, barcode, carton, GS1 label with lot and expiry)."""
    return service.resolve(session, body.code)
