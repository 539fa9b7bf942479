"""The geocoding cache's store in the dispatch database (smartdist.geocoding.GeocodeCache)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from smartdist.db import ScopedSession
from smartdist.geocoding import Geocoded
from smartdist_dispatch.geocoding.models import GeocodedAddress


class DatabaseCache:
    """Cached answers of the session's tenant; a row written at the same time by another request is kept."""

    def __init__(self, session: ScopedSession) -> None:
        self.session = session

    def get(self, provider: str, key: str) -> Geocoded | None:
        row = self.session.scalars(
            select(GeocodedAddress).where(GeocodedAddress.provider == provider, GeocodedAddress.address_key == key)
        ).first()
        return None if row is None else Geocoded(row.lat, row.lng, row.address, row.provider)

    def put(self, provider: str, key: str, found: Geocoded) -> None:
        row = GeocodedAddress(
            provider=provider, address_key=key[:400], lat=found.lat, lng=found.lng, address=found.address[:400]
        )
        try:
            with self.session.begin_nested():
                self.session.add(row)
                self.session.flush()
        except IntegrityError:
            pass  # another request cached the same address first: its answer stands
