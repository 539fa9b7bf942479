"""zh-TW / English texts of every dispatch page: the home page's, the board's and the driver app's."""

from __future__ import annotations

from smartdist.web.i18n import shared_catalog
from smartdist_dispatch.board import messages as board_messages
from smartdist_dispatch.driver import messages as driver_messages
from smartdist_dispatch.fleet import messages as fleet_messages

HOME_MESSAGES: dict[str, dict[str, str]] = {
    "zh-TW": {
        "dispatch.home.board": "待排訂單、排線進度、發布路線、急件插單與重新排線",
        "kpi.note.dispatch.co2e": (
            "CO2e：每次發布的路線比基準少跑的公里數（以同一距離矩陣評估商家的人工路線，沒有時用每日人工路線里程）"
            "× 貨車係數（汽油 {petrol} kg CO2e／公升，每公升 {km_per_l} 公里）。"
        ),
        "dispatch.home.map": "車輛與站點的即時位置",
        "dispatch.home.exceptions": "配送失敗、代收金額不符與遲到",
        "dispatch.home.analytics": "每日、每車、每位司機的里程、準時率與成功率",
        "dispatch.home.driver": "司機手機版：今日站點、簽收、拍照、收款，離線也能操作",
    },
    "en": {
        "dispatch.home.board": "waiting orders, planning progress, publishing, rush orders and re-planning",
        "kpi.note.dispatch.co2e": (
            "CO2e: km saved by each published plan against its baseline (the merchant's hand plan judged on the"
            " same matrix, else manual_distance_km_per_day) x the van factor (petrol {petrol} kg/L at {km_per_l} km/L)."
        ),
        "dispatch.home.map": "where vehicles and stops are now",
        "dispatch.home.exceptions": "failed deliveries, cash mismatches and late stops",
        "dispatch.home.analytics": "distance, on-time and success rates per day, vehicle and driver",
        "dispatch.home.driver": "the driver's phone app: today's stops, signature, photo, cash, works offline",
    },
}

# Problems (``problem.<code>``: the ``detail``) and per-item errors (``error.<code>``: ``errors[].message``)
# of the dispatch API, rendered in the request's language from the code the service raises.
PROBLEM_MESSAGES: dict[str, dict[str, str]] = {
    "zh-TW": {
        "problem.dispatch.plan.no_depot": "還沒有倉庫：請先到「車隊設定」建立倉庫、車輛與司機，再排線。",
        "error.dispatch.plan.no_depot": "請先建立倉庫",
        "problem.dispatch.plan.choose_depot": "請選擇要從哪個倉庫出車。",
        "error.dispatch.plan.choose_depot": "請選擇倉庫",
        "problem.dispatch.plan.unknown_depot": "找不到倉庫 {depot}。",
        "error.dispatch.plan.unknown_depot": "找不到這個倉庫",
        "problem.dispatch.plan.nothing": "沒有可以排線的內容。",
        "error.dispatch.plan.no_orders": "沒有待排訂單：請先匯入或建立訂單",
        "error.dispatch.plan.no_vehicles": "倉庫 {depot} 還沒有車輛：請到「車隊設定」新增車輛並指定這個倉庫",
        "problem.dispatch.plan.nothing_due": "{date} 沒有待排訂單。",
        "error.dispatch.plan.nothing_due": "這一天沒有待排訂單",
        "problem.dispatch.geocoding.not_configured": "這個地址沒有經緯度，而系統尚未設定地址轉座標服務："
        "請填入緯度與經度，或請管理員設定 SMARTDIST_DISPATCH_GEOCODER。",
        "error.dispatch.geocoding.not_configured": "沒有經緯度，且未設定地址轉座標服務：請填入緯度與經度",
        "problem.dispatch.geocoding.not_found": "找不到地址「{address}」的位置：請檢查地址，或直接填入緯度與經度。",
        "error.dispatch.geocoding.not_found": "找不到地址「{address}」的位置：請檢查地址，或填入緯度與經度",
        "problem.dispatch.geocoding.unavailable": "地址轉座標服務 ({provider}) 目前沒有回應，"
        "請稍後再試，或直接填入緯度與經度。",
        "problem.dispatch.import.rows": "有 {rows} 列資料有問題，整份檔案都沒有匯入。",
        "problem.dispatch.import.empty": "檔案裡沒有任何資料列。",
        "error.dispatch.import.empty": "沒有資料列",
        "problem.dispatch.rush.rejected": "沒有路線能插入這些訂單。",
    },
    "en": {
        "problem.dispatch.plan.no_depot": "No depot yet: create a depot, a vehicle and a driver on the fleet "
        "set-up page first, then plan.",
        "error.dispatch.plan.no_depot": "create a depot first",
        "problem.dispatch.plan.choose_depot": "Choose the depot the vans start from.",
        "error.dispatch.plan.choose_depot": "choose a depot",
        "problem.dispatch.plan.unknown_depot": "No depot {depot}.",
        "error.dispatch.plan.unknown_depot": "unknown depot",
        "problem.dispatch.plan.nothing": "Nothing to plan.",
        "error.dispatch.plan.no_orders": "no orders waiting: import or create orders first",
        "error.dispatch.plan.no_vehicles": "depot {depot} has no vehicles: add one on the fleet set-up page "
        "and give it this depot",
        "problem.dispatch.plan.nothing_due": "No orders waiting are due on {date}.",
        "error.dispatch.plan.nothing_due": "no orders waiting on this date",
        "problem.dispatch.geocoding.not_configured": "This address has no coordinates and no geocoder is set up: "
        "give the latitude and longitude, or ask the operator to set SMARTDIST_DISPATCH_GEOCODER.",
        "error.dispatch.geocoding.not_configured": "no coordinates and no geocoder is set up: fill lat and lng",
        "problem.dispatch.geocoding.not_found": 'No place found at "{address}": check the address, or give the '
        "latitude and longitude.",
        "error.dispatch.geocoding.not_found": 'no place found at "{address}": check it, or fill lat and lng',
        "problem.dispatch.geocoding.unavailable": "The geocoder ({provider}) does not answer now: try again later, "
        "or give the latitude and longitude.",
        "problem.dispatch.import.rows": "{rows} row(s) have errors; nothing was imported.",
        "problem.dispatch.import.empty": "The file has no rows.",
        "error.dispatch.import.empty": "no rows",
        "problem.dispatch.rush.rejected": "No route can take these orders.",
    },
}

# Sheet imports (orders, depots, vehicles, drivers): a sheet it cannot read is a problem and its
# file error (problem. and error.dispatch.sheet.<code>); a bad cell is a row error (error.…).
SHEET_MESSAGES: dict[str, dict[str, str]] = {
    "zh-TW": {
        "dispatch.sheet.unreadable": "無法讀取這個檔案。",
        "dispatch.sheet.too_large": "檔案超過 {mb} MB。",
        "dispatch.sheet.file_type": "請上傳 .csv (UTF-8) 或 .xlsx 檔案。",
        "dispatch.sheet.missing_columns": "第一列 (欄位名稱) 缺少這些欄位：{columns}",
        "dispatch.sheet.unknown_columns": "第一列有不認得的欄位：{columns}",
        "dispatch.sheet.too_many_rows": "每次最多上傳 {rows} 列。",
        "dispatch.sheet.not_utf8": "CSV 不是 UTF-8 編碼：請在 Excel 另存為「CSV UTF-8」。",
        "dispatch.sheet.empty": "檔案是空的。",
        "dispatch.sheet.bad_xlsx": "這不是可以讀取的 .xlsx 活頁簿。",
        "dispatch.sheet.not_a_number": "「{value}」不是數字",
        "dispatch.sheet.window_pair": "時段需要同時填開始與結束",
        "dispatch.sheet.window_first": "請先填 window_start/window_end，再填第二個時段",
        "dispatch.sheet.order_exists": "訂單 {order_no} 已經存在",
        "dispatch.sheet.order_repeated": "訂單 {order_no} 已在第 {first} 列",
        "dispatch.sheet.code_exists": "代號 {code} 已經存在",
        "dispatch.sheet.code_repeated": "代號 {code} 已在第 {first} 列",
        "dispatch.sheet.no_reference": "找不到代號 {code}",
        "dispatch.order.window_order": "時段的結束時間早於開始時間",
        "dispatch.order.both_coordinates": "緯度與經度要一起填，或都不填 (改用地址轉座標)",
        "dispatch.order.no_place": "請填地址，或緯度與經度",
        "dispatch.order.not_found": "找不到訂單 {id}",
        "dispatch.order.not_waiting": "訂單 {order_no} 已排線或已出車，只有待排訂單可以修改或刪除",
    },
    "en": {
        "dispatch.sheet.unreadable": "This file cannot be read.",
        "dispatch.sheet.too_large": "The file is larger than {mb} MB.",
        "dispatch.sheet.file_type": "Upload a .csv (UTF-8) or .xlsx file.",
        "dispatch.sheet.missing_columns": "The header row lacks the columns: {columns}",
        "dispatch.sheet.unknown_columns": "Unknown columns in the header row: {columns}",
        "dispatch.sheet.too_many_rows": "At most {rows} rows per upload.",
        "dispatch.sheet.not_utf8": "The CSV is not UTF-8: save it as 'CSV UTF-8'.",
        "dispatch.sheet.empty": "The file is empty.",
        "dispatch.sheet.bad_xlsx": "The file is not a readable .xlsx workbook.",
        "dispatch.sheet.not_a_number": "'{value}' is not a number",
        "dispatch.sheet.window_pair": "a time window needs both a start and an end",
        "dispatch.sheet.window_first": "fill window_start/window_end before window2_start/window2_end",
        "dispatch.sheet.order_exists": "order {order_no} already exists",
        "dispatch.sheet.order_repeated": "order {order_no} is already on row {first}",
        "dispatch.sheet.code_exists": "code {code} already exists",
        "dispatch.sheet.code_repeated": "code {code} is already on row {first}",
        "dispatch.sheet.no_reference": "no row with code {code}",
        "dispatch.order.window_order": "the time window ends before it starts",
        "dispatch.order.both_coordinates": "give both lat and lng, or neither (the address is then geocoded)",
        "dispatch.order.no_place": "give the address, or lat and lng",
        "dispatch.order.not_found": "no order {id}",
        "dispatch.order.not_waiting": "order {order_no} is planned or on its way: only orders waiting can be "
        "changed or deleted",
    },
}

for _lang in ("zh-TW", "en"):
    for _code, _text in SHEET_MESSAGES[_lang].items():
        PROBLEM_MESSAGES[_lang][f"error.{_code}"] = _text
        if _code.startswith(("dispatch.sheet.", "dispatch.order.not_")):
            PROBLEM_MESSAGES[_lang][f"problem.{_code}"] = _text
    # A sheet cell's Pydantic error (error.validation.<type>) reads like the API's (validation.<type>).
    PROBLEM_MESSAGES[_lang].update(
        {f"error.{k}": v for k, v in shared_catalog(_lang).items() if k.startswith("validation.")}
    )
    PROBLEM_MESSAGES[_lang].update(
        {
            f"error.dispatch.unassigned.{reason}": "{order_no}: " + text
            for reason, text in board_messages.UNASSIGNED_REASONS[_lang].items()
        }
    )

MESSAGES: dict[str, dict[str, str]] = {
    lang: {
        **board_messages.MESSAGES.get(lang, {}),
        **driver_messages.MESSAGES.get(lang, {}),
        **fleet_messages.MESSAGES.get(lang, {}),
        **HOME_MESSAGES[lang],
        **PROBLEM_MESSAGES[lang],
    }
    for lang in ("zh-TW", "en")
}
