"""Helpers for the WMS's tests: a clerk at the service's HTTP API."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

_keys = itertools.count()


class Clerk:
    """Calls the WMS API as one tenant, asserting the status each call should answer."""

    def __init__(self, svc: Any, tenant: str, roles: tuple[str, ...] = ("owner",)) -> None:
        self.svc, self.tenant = svc, tenant
        self.headers = svc.headers(tenant, roles)

    def post(self, path: str, body: Any = None, *, expect: int | None = None, key: str | None = None) -> Any:
        headers = dict(self.headers)
        if key is not None:
            headers["Idempotency-Key"] = key
        r = self.svc.client.post(f"/api/v1{path}", json=body, headers=headers)
        if expect is not None:
            assert r.status_code == expect, (path, r.status_code, r.text)
        return r

    def get(self, path: str, *, expect: int = 200, **params: Any) -> Any:
        r = self.svc.client.get(f"/api/v1{path}", params=params, headers=self.headers)
        assert r.status_code == expect, (path, r.status_code, r.text)
        return r.json()

    def product(self, sku: str, **kw: Any) -> Any:
        return self.post("/products", {"sku": sku, "name": kw.pop("name", sku), **kw}, expect=201).json()

    def location(self, code: str, **kw: Any) -> Any:
        return self.post("/locations", {"code": code, **kw}, expect=201).json()

    def adjust(self, sku: str, location: str, qty: int, **kw: Any) -> Any:
        body = {"sku": sku, "location": location, "qty": qty, "reason": kw.pop("reason", "test"), **kw}
        return self.post("/stock/adjustments", body, expect=kw.pop("expect", 201) if "expect" in kw else 201).json()

    def stock(self, **params: Any) -> list[dict[str, Any]]:
        return self.get("/stock", **params)["items"]  # type: ignore[no-any-return]

    def on_hand(self, sku: str, location: str | None = None) -> int:
        params = {"sku": sku} | ({"location": location} if location else {})
        return sum(i["on_hand"] for i in self.stock(**params, limit=500))

    def outbound(self, lines: list[tuple[str, int]], ref: str = "SO-1") -> Any:
        body = {"ref": ref, "lines": [{"sku": s, "qty": q} for s, q in lines]}
        return self.post("/outbound-orders", body, expect=201).json()

    def inbound(self, lines: list[dict[str, Any]], ref: str = "PO-1", **kw: Any) -> Any:
        return self.post("/inbound-orders", {"ref": ref, "lines": lines, **kw}, expect=201).json()


@pytest.fixture
def clerk_for():  # type: ignore[no-untyped-def]
    """``clerk_for(svc)`` — a clerk of a new tenant (or of ``tenant=``)."""

    def make(svc: Any, tenant: str | None = None, roles: tuple[str, ...] = ("owner",)) -> Clerk:
        return Clerk(svc, tenant or svc.new_tenant(), roles)

    return make


def unique_key() -> str:
    return f"k-{next(_keys)}"
