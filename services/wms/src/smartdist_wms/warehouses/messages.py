"""Texts of the receiving steps, zh-TW and English."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "zh-TW": {
        "problem.wms.receiving.location_needed": "一步收貨：每一行都要掃描上架儲位",
        "error.wms.receiving.location_needed": "一步收貨需要儲位",
        "problem.wms.receiving.location_later": "{steps} 步收貨：收貨後再上架，收貨時不填儲位",
        "error.wms.receiving.location_later": "{steps} 步收貨時不填儲位",
        "problem.wms.receiving.not_inspected": "{sku} 在 {no} 只有 {left} 件已檢驗待上架，請先完成檢驗",
        "problem.wms.receiving.nothing_to_inspect": "{sku} 待檢驗 {pending} 件，判定了 {judged} 件",
        "problem.wms.receiving.no_inspection": "本倉庫收貨不含檢驗步驟（可在倉庫設定選擇三步收貨）",
    },
    "en": {
        "problem.wms.receiving.location_needed": "1-step receiving: scan the location each line goes into",
        "error.wms.receiving.location_needed": "1-step receiving needs the location",
        "problem.wms.receiving.location_later": "{steps}-step receiving: no location on receipts, put away later",
        "error.wms.receiving.location_later": "no location with {steps}-step receiving",
        "problem.wms.receiving.not_inspected": "{sku}: {left} inspected and waiting on {no}; inspect first",
        "problem.wms.receiving.nothing_to_inspect": "{sku}: {pending} waiting for inspection, {judged} judged",
        "problem.wms.receiving.no_inspection": "This warehouse receives without inspection (choose 3-step receiving)",
    },
}
