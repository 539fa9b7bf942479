"""Imports from CSV and Excel: every bad row and column named (zh-TW by default), nothing stored
when any row is bad; orders grouped by ref."""

from __future__ import annotations

from typing import Any

from smartdist.exports import csv_text, xlsx_bytes
from smartdist_wms.app import DEFINITION


def _upload(c: Any, kind: str, name: str, content: bytes | str, expect: int, lang: str = "zh-TW") -> Any:
    data = content.encode() if isinstance(content, str) else content
    r = c.svc.client.post(f"/api/v1/imports/{kind}?lang={lang}", files={"file": (name, data)}, headers=c.headers)
    assert r.status_code == expect, r.text
    return r.json()


def test_sheets_import_all_rows_or_none(service_factory, clerk_for) -> None:  # type: ignore[no-untyped-def]
    with service_factory(DEFINITION) as svc:
        c = clerk_for(svc)
        c.product("OLD")
        header = ["sku", "name", "barcode", "tracking", "pack_size"]
        bad = csv_text(
            header,
            [
                ["TEA", "烏龍茶", "4710001", "none", "6"],
                ["MILK", "鮮奶", "", "serial", "x"],
                ["TEA", "again", "", "", ""],
                ["OLD", "舊品", "", "", ""],
            ],
        )
        r = _upload(c, "products", "products.csv", bad, 422)
        assert r["code"] == "wms.import.rows" and "沒有匯入" in r["detail"]
        cells = [(e["row"], e["column"], e["code"]) for e in r["errors"]]
        assert cells == [
            (3, "pack_size", "wms.import.validation.int_parsing"),
            (3, "tracking", "wms.import.validation.literal_error"),
            (4, "sku", "wms.import.duplicate"),
            (5, "sku", "wms.import.exists"),
        ]
        assert r["errors"][0]["message"] == "必須是整數" and "第 2 列" in r["errors"][2]["message"]
        assert [p["sku"] for p in c.get("/products")["items"]] == ["OLD"]  # nothing stored
        en = _upload(c, "products", "products.csv", bad, 422, lang="en")
        assert en["errors"][3]["message"] == "OLD already exists"

        good = [["TEA", "烏龍茶", 4710001, "none", 6, "4710009; 4710010"], ["MILK", "鮮奶", None, "expiry", None, None]]
        assert _upload(c, "products", "products.xlsx", xlsx_bytes([*header, "barcodes"], good), 201) == {
            "kind": "products",
            "created": 2,
        }
        assert c.get("/products/TEA")["barcode"] == "4710001" and c.get("/products/MILK")["tracking"] == "expiry"
        assert c.get("/products/TEA")["barcodes"] == ["4710009", "4710010"]
        assert c.post("/scans", {"code": "4710010"}, expect=200).json()["sku"] == "TEA"
        taken = csv_text(["sku", "name", "barcodes"], [["NEW", "新品", "4710010"], ["NEW2", "新品", "x1;x1"]])
        r = _upload(c, "products", "p.csv", taken, 422)
        assert [(e["row"], e["column"], e["code"]) for e in r["errors"]] == [
            (2, "barcodes", "wms.product.barcode_taken"),
            (3, "barcodes", "wms.import.duplicate"),
        ]

        locations = csv_text(["code", "zone", "sequence"], [["A-01", "A", "1"], ["A-02", "A", "2"]])
        assert _upload(c, "locations", "loc.csv", locations, 201)["created"] == 2
        suppliers = csv_text(["code", "name", "over_receipt_pct"], [["S1", "大同食品", "5"]])
        assert _upload(c, "suppliers", "s.csv", suppliers, 201)["created"] == 1
        people = [["C1", "王小明", "0912345678", "台北市信義區松仁路 1 號"], ["C2", "陳美玲", "12", None]]
        r = _upload(c, "customers", "c.csv", csv_text(["code", "name", "phone", "address"], people), 422)
        assert [(e["row"], e["column"]) for e in r["errors"]] == [(3, "phone")]
        people[1][2] = "02-2345-6789"
        assert _upload(c, "customers", "c.xlsx", xlsx_bytes(["code", "name", "phone", "address"], people), 201) == {
            "kind": "customers",
            "created": 2,
        }
        assert c.get("/customers/C1")["address"].startswith("台北市")
        assert c.post("/customers", {"code": "C1", "name": "again"}).status_code == 409

        rows = [["SO-1", "王小明", "TEA", "2"], ["SO-1", "", "MILK", "1"], ["SO-2", "", "NOPE", "0"]]
        r = _upload(c, "outbound-orders", "so.csv", csv_text(["ref", "customer", "sku", "qty"], rows), 422)
        assert [(e["row"], e["column"]) for e in r["errors"]] == [(4, "qty"), (4, "sku")]
        assert c.get("/outbound-orders")["items"] == []
        rows[2] = ["SO-2", "", "TEA", "3"]
        assert _upload(c, "outbound-orders", "so.csv", csv_text(["ref", "customer", "sku", "qty"], rows), 201) == {
            "kind": "outbound-orders",
            "created": 2,
        }
        so1 = c.get("/outbound-orders", ref="SO-1")["items"][0]
        assert so1["customer"] == "王小明" and [(x["sku"], x["qty"]) for x in so1["lines"]] == [("TEA", 2), ("MILK", 1)]

        asn = csv_text(["ref", "supplier", "sku", "qty", "expiry"], [["PO-9", "S1", "MILK", "12", "2031-02-03"]])
        assert _upload(c, "inbound-orders", "asn.csv", asn, 201)["created"] == 1
        (po,) = c.get("/inbound-orders", ref="PO-9")["items"]
        assert po["supplier"] == "S1" and po["lines"][0]["expiry"] == "2031-02-03"

        r = _upload(c, "locations", "loc.csv", "code,colour\nB-1,red\n", 422)
        assert r["code"] == "wms.import.unknown_columns" and "colour" in r["detail"]
        assert _upload(c, "locations", "loc.txt", "code\nB-1\n", 422)["code"] == "wms.import.file_type"
        template = svc.client.get("/api/v1/imports/inbound-orders/template", headers=c.headers)
        assert template.status_code == 200 and template.text.lstrip("\ufeff").startswith("ref,supplier,sku,qty")
        # another tenant's sheet sees none of these products
        other = clerk_for(svc)
        r = _upload(other, "outbound-orders", "so.csv", "ref,sku,qty\nX,TEA,1\n", 422)
        assert r["errors"][0]["code"] == "wms.import.unknown_sku"
        assert other.get("/customers")["items"] == [] and other.get("/customers/C1", expect=404)
