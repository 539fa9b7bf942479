"""Event handlers of the forecast service."""

from __future__ import annotations

from smartdist.service import EventHandler

SUBSCRIPTIONS: dict[str, EventHandler] = {}
