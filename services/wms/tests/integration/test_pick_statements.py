"""A pick confirmation is a handful of statements (lock the order, read its allocations at the
location, add to the allocation and its line, plus the Idempotency-Key's insert and answer), and
the lean path keeps every rule of the full one."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import event

from smartdist_wms.app import DEFINITION


def _statements(svc: Any, call: Any) -> tuple[Any, list[str]]:
    seen: list[str] = []

    def on(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        seen.append(" ".join(statement.split()[:3]).upper())

    event.listen(svc.database.engine, "before_cursor_execute", on)
    try:
        return call(), seen
    finally:
        event.remove(svc.database.engine, "before_cursor_execute", on)


def test_a_pick_is_six_statements_and_keeps_the_rules(service_factory, clerk_for) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        c = clerk_for(svc, roles=("clerk",))
        c.product("TEA", barcode="4710001", pack_barcode="14710001", pack_size=6, barcodes=["4719999"])
        c.product("CUP")
        c.location("A1")
        c.location("A2")
        c.adjust("TEA", "A1", 3)
        c.adjust("TEA", "A2", 10)
        c.adjust("CUP", "A2", 5)
        oid = c.outbound([("TEA", 8), ("CUP", 1)])["id"]
        c.post(f"/outbound-orders/{oid}/allocate", expect=200)

        def pick(location: str, sku: str, qty: int, expect: int = 201, key: str | None = None) -> Any:
            body = {"location": location, "sku": sku, "qty": qty}
            return c.post(f"/outbound-orders/{oid}/picks", body, expect=expect, key=key).json()

        first, _ = _statements(svc, lambda: pick("A1", "4710001", 1, key="s1"))
        assert first["status"] == "picking" and first["line_picked"] == 1 and first["line_qty"] == 8
        middle, seen = _statements(svc, lambda: pick("A2", "14710001", 2, key="s2"))  # the carton barcode
        statements = [s for s in seen if not s.startswith(("BEGIN", "COMMIT", "PRAGMA", "ROLLBACK"))]
        assert len(statements) == 6, seen
        expected = {"status": "picking", "sku": "TEA", "location": "A2", "qty": 2, "line_picked": 3, "line_qty": 8}
        assert middle == expected
        # more than is left there: 409 naming the units, nothing counted
        r = pick("A1", "TEA", 3, expect=409)
        assert "2 left" in r["detail"]
        # a product not allocated here, an unknown location: the full path names the mistake
        assert pick("A1", "CUP", 1, expect=422)["errors"][0]["loc"] == ["body", "location"]
        assert pick("ZZ", "TEA", 1, expect=422)["status"] == 422
        pick("A1", "4719999", 2)  # one more barcode of the product scans as it
        pick("A2", "TEA", 3)
        assert pick("A2", "CUP", 1)["status"] == "picked"
        order = c.get(f"/outbound-orders/{oid}")
        assert order["status"] == "picked" and order["picked_at"] is not None
        assert [(x["sku"], x["picked"]) for x in order["lines"]] == [("TEA", 8), ("CUP", 1)]
        # a replay answers the first answer and counts nothing twice
        assert pick("A1", "4710001", 1, key="s1") == first
        assert pick("A2", "TEA", 1, expect=409)["status"] == 409  # picked orders take no picks
        logs = svc.client.get("/api/v1/kpi/logs", headers=svc.headers(c.tenant, ("owner",))).text.splitlines()
        kpi = [json.loads(line)["status"] for line in logs if f'"OUT-{oid:06d}"' in line]
        assert kpi.count("picking") == 1 and kpi.count("picked") == 1
        assert c.get("/stock/ledger-check")["ok"] is True
