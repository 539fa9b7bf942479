"""Event handlers of the dispatch service for bookings from the delivery broker."""

from __future__ import annotations

from smartdist.service import EventHandler

SUBSCRIPTIONS: dict[str, EventHandler] = {}
