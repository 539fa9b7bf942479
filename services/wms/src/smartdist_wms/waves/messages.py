"""Texts of pick waves: problems and per-item errors, zh-TW and English."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "zh-TW": {
        "problem.wms.wave.unknown_order": "找不到出貨單 {id}",
        "error.wms.wave.unknown_order": "找不到出貨單 {id}",
        "problem.wms.wave.order_in_wave": "{no} 已在揀貨波次 {wave} 中",
        "error.wms.wave.order_in_wave": "{no} 已在揀貨波次 {wave} 中",
        "problem.wms.wave.order_not_open": "{no} 狀態為 {status}，無法放入波次",
        "error.wms.wave.order_not_open": "{no} 狀態為 {status}，無法放入波次",
        "problem.wms.wave.not_open": "{no} 不是進行中的波次（{status}），不能再揀貨",
        "problem.wms.wave.order_not_in_wave": "出貨單 {id} 不在 {wave} 中",
        "error.wms.wave.order_not_in_wave": "不在此波次中",
        "problem.wms.wave.nothing_here": "{wave} 在儲位 {location} 沒有要揀的 {sku}",
        "error.wms.wave.nothing_here": "此儲位沒有要揀的商品",
        "problem.wms.pick.too_much": "{sku} 在 {location} 只剩 {left} 件待揀，掃了 {qty} 件",
    },
    "en": {
        "problem.wms.wave.unknown_order": "No outbound order {id}",
        "error.wms.wave.unknown_order": "no order {id}",
        "problem.wms.wave.order_in_wave": "{no} is already in {wave}",
        "error.wms.wave.order_in_wave": "{no} is already in {wave}",
        "problem.wms.wave.order_not_open": "{no} is {status}; it cannot be released in a wave",
        "error.wms.wave.order_not_open": "{no} is {status}",
        "problem.wms.wave.not_open": "{no} is {status}; it takes no more picks",
        "problem.wms.wave.order_not_in_wave": "Order {id} is not in {wave}",
        "error.wms.wave.order_not_in_wave": "not in this wave",
        "problem.wms.wave.nothing_here": "{wave} has nothing of {sku} to pick in {location}",
        "error.wms.wave.nothing_here": "nothing to pick here",
        "problem.wms.pick.too_much": "{sku} in {location}: {left} left to pick, {qty} scanned",
    },
}
