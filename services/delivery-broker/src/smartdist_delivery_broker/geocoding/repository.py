"""The geocoding cache's store in the broker database (a smartdist.geocoding.GeocodeCache).

Each look-up and each write is a short transaction of its own, so no transaction is open while
the provider is asked (Nominatim may take seconds, and on SQLite a transaction holds the lock).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from smartdist.db import Database
from smartdist.geocoding import Geocoded
from smartdist_delivery_broker.geocoding.models import GeocodedAddressRow

MAX_KEY = 500


class DatabaseCache:
    """Cached answers of one tenant; a row written at the same time by another request is kept."""

    def __init__(self, database: Database, tenant_id: str) -> None:
        self.database = database
        self.tenant_id = tenant_id

    def get(self, provider: str, key: str) -> Geocoded | None:
        if "\x00" in key:  # PostgreSQL text cannot hold NUL; no real address has one
            return None
        with self.database.tenant_session(self.tenant_id, read_only=True) as session:
            row = session.scalars(
                select(GeocodedAddressRow).where(
                    GeocodedAddressRow.provider == provider, GeocodedAddressRow.address_key == key[:MAX_KEY]
                )
            ).first()
            return None if row is None else Geocoded(row.lat, row.lng, row.address, row.provider)

    def put(self, provider: str, key: str, found: Geocoded) -> None:
        if "\x00" in key or "\x00" in found.address:
            return
        row = GeocodedAddressRow(
            provider=provider[:20],
            address_key=key[:MAX_KEY],
            lat=found.lat,
            lng=found.lng,
            address=found.address[:MAX_KEY],
        )
        try:
            with self.database.tenant_transaction(self.tenant_id) as session:
                session.add(row)
        except IntegrityError:
            pass  # another request cached the same address first: its answer stands
