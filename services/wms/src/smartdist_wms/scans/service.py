"""Resolving a scan: a location code first (bins are labelled with their code), else a product."""

from __future__ import annotations

from sqlalchemy.orm import Session

from smartdist_wms.locations.repository import by_code
from smartdist_wms.products.service import resolve_scan
from smartdist_wms.scans.schemas import ScanOut


def resolve(session: Session, code: str) -> ScanOut:
    text = code.strip()
    location = by_code(session, text)
    if location is not None:
        return ScanOut(
            kind="location",
            code=code,
            location=location.code,
            location_status=location.status,
            sku=None,
            units=0,
            lot=None,
            expiry=None,
        )
    scan = resolve_scan(session, text, ("body", "code"))
    return ScanOut(
        kind="product",
        code=code,
        location=None,
        sku=scan.product.sku,
        name=scan.product.name,
        tracking=scan.product.tracking,
        units=scan.units,
        lot=scan.lot,
        expiry=scan.expiry,
    )
