"""Quote sets remembered until they expire, per tenant, so a booking can be checked against them.

Kept in process memory for now (bounded, pruned on write): a quote lives minutes and a lost one
only means quoting again. Persisting them is part of the orders tables (see README-adapters.md).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime, timedelta

from smartdist_delivery_broker.quotes.domain import QuoteSet


class QuoteBook:
    def __init__(self, max_sets: int = 50_000, grace: timedelta = timedelta(minutes=30)):
        self._sets: OrderedDict[tuple[str, str], QuoteSet] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_sets
        self._grace = grace

    def remember(self, tenant_id: str, quote_set: QuoteSet, now: datetime) -> None:
        with self._lock:
            self._sets[(tenant_id, quote_set.quote_set_id)] = quote_set
            while len(self._sets) > self._max:
                self._sets.popitem(last=False)
            # Oldest first: drop sets whose quotes all expired a while ago.
            while self._sets:
                oldest = next(iter(self._sets.values()))
                if (oldest.expires_at or oldest.created_at) + self._grace >= now:
                    break
                self._sets.popitem(last=False)

    def find(self, tenant_id: str, quote_set_id: str) -> QuoteSet | None:
        with self._lock:
            return self._sets.get((tenant_id, quote_set_id))
