"""zh-TW / English texts of every dispatch page: the home page's, the board's and the driver app's."""

from __future__ import annotations

from smartdist_dispatch.board import messages as board_messages
from smartdist_dispatch.driver import messages as driver_messages

HOME_MESSAGES: dict[str, dict[str, str]] = {
    "zh-TW": {
        "dispatch.home.board": "待排訂單、排線進度、發布路線、急件插單與重新排線",
        "dispatch.home.map": "車輛與站點的即時位置",
        "dispatch.home.exceptions": "配送失敗、代收金額不符與遲到",
        "dispatch.home.analytics": "每日、每車、每位司機的里程、準時率與成功率",
        "dispatch.home.driver": "司機手機版：今日站點、簽收、拍照、收款，離線也能操作",
    },
    "en": {
        "dispatch.home.board": "waiting orders, planning progress, publishing, rush orders and re-planning",
        "dispatch.home.map": "where vehicles and stops are now",
        "dispatch.home.exceptions": "failed deliveries, cash mismatches and late stops",
        "dispatch.home.analytics": "distance, on-time and success rates per day, vehicle and driver",
        "dispatch.home.driver": "the driver's phone app: today's stops, signature, photo, cash, works offline",
    },
}

MESSAGES: dict[str, dict[str, str]] = {
    lang: {
        **board_messages.MESSAGES.get(lang, {}),
        **driver_messages.MESSAGES.get(lang, {}),
        **HOME_MESSAGES[lang],
    }
    for lang in ("zh-TW", "en")
}
