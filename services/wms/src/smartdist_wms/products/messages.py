"""Texts of the product master's problems, zh-TW and English."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "zh-TW": {
        "problem.wms.product.barcode_taken": "條碼 {barcode} 已用於其他商品",
        "error.wms.product.barcode_taken": "條碼 {barcode} 已用於其他商品",
    },
    "en": {
        "problem.wms.product.barcode_taken": "Barcode {barcode} already names another product",
        "error.wms.product.barcode_taken": "{barcode} already names a product",
    },
}
