"""Helpers of the surplus-market tests: tokens for sellers and consumers, a listing body."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

TAIPEI_101 = {"lat": 25.0339, "lng": 121.5645}


def consumer_headers(svc: Any, consumer_id: str = "consumer-1", name: str = "Mei") -> dict[str, str]:
    """A consumer token as the console's /auth/consumers/token issues it: no tenant, role consumer."""
    token, _ = svc.signer.issue(
        kind="consumer", subject=consumer_id, tenant_id=None, roles=["consumer"], ttl_s=3600, name=name
    )
    return {"Authorization": f"Bearer {token}"}


def clerk_headers(svc: Any, tenant: str) -> dict[str, str]:
    return svc.headers(tenant, ["clerk"])


def listing_body(**overrides: Any) -> dict[str, Any]:
    best_before = datetime.now(UTC) + timedelta(hours=30)
    body: dict[str, Any] = {
        "title": "鮮奶吐司 milk bread",
        "mode": "store",
        "category": "bakery",
        "unit": "bag",
        "quantity": 5,
        "list_price": 120,
        "best_before": best_before.isoformat(),
        "location": dict(TAIPEI_101),
        "markdown": [{"hours_before": 24, "percent_off": 30}, {"hours_before": 6, "percent_off": 50}],
        "floor_price": 40,
    }
    body.update(overrides)
    return body


@pytest.fixture
def helpers() -> Any:
    class H:
        consumer = staticmethod(consumer_headers)
        clerk = staticmethod(clerk_headers)
        body = staticmethod(listing_body)

    return H
