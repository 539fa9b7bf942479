"""Texts of the fleet page and of the fleet's fields: zh-TW (the default) and English.

``field.<name>`` keys also name the field in translated validation errors.
"""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "zh-TW": {
        "board.nav.fleet": "車隊設定",
        "fleet.title": "車隊設定：倉庫、車輛與司機",
        "fleet.intro": "第一次使用？依序完成下列步驟，就能開始排線：",
        "fleet.step.depot": "建立倉庫 (出車地點)",
        "fleet.step.vehicle": "建立車輛，並指定它的倉庫",
        "fleet.step.driver": "建立司機，並指定他常開的車",
        "fleet.step.orders": "到「派車看板」匯入訂單，按「開始排線」",
        "fleet.step.done": "已完成",
        "fleet.depots": "倉庫",
        "fleet.vehicles": "車輛",
        "fleet.drivers": "司機",
        "fleet.depots.empty": "還沒有倉庫。請先建立第一個倉庫。",
        "fleet.vehicles.empty": "還沒有車輛。",
        "fleet.drivers.empty": "還沒有司機。",
        "fleet.new.depots": "新增倉庫",
        "fleet.new.vehicles": "新增車輛",
        "fleet.new.drivers": "新增司機",
        "fleet.edit": "修改",
        "fleet.editing": "修改 {code}",
        "fleet.save": "儲存",
        "fleet.create": "新增",
        "fleet.cancel": "取消修改",
        "fleet.saved": "已儲存 {code}",
        "fleet.created": "已新增 {code}",
        "fleet.none": "(無)",
        "fleet.import.file": "從檔案匯入 (CSV / Excel)",
        "fleet.import.submit": "匯入",
        "fleet.import.columns": "第一列為欄位名稱 (粗體必填)：",
        "fleet.import.done": "已匯入 {n} 筆",
        "fleet.coordinates.help": "已設定地址轉座標時只填地址即可；否則請填緯度、經度 "
        "(可在地圖上按右鍵複製，例如 25.0478, 121.5170)。",
        "fleet.kind.van": "廂型車",
        "fleet.kind.scooter": "機車",
        "field.code": "代號",
        "field.name": "名稱",
        "field.address": "地址",
        "field.lat": "緯度",
        "field.lng": "經度",
        "field.kind": "車種",
        "field.depot_id": "倉庫",
        "field.depot_code": "倉庫代號",
        "field.capacity_weight_kg": "載重 (kg)",
        "field.capacity_volume_l": "容積 (L)",
        "field.capacity_boxes": "箱數上限",
        "field.shift_start": "上班時間",
        "field.shift_end": "下班時間",
        "field.fixed_cost_twd": "每日固定成本 (元)",
        "field.break_start": "休息最早開始",
        "field.break_end": "休息最晚開始",
        "field.break_minutes": "休息分鐘",
        "field.max_working_minutes": "每日最長工時 (分)",
        "field.max_trips": "每日趟數",
        "field.phone": "電話",
        "field.vehicle_id": "常開車輛",
        "field.vehicle_code": "常開車輛代號",
        "field.user_subject": "登入帳號",
    },
    "en": {
        "board.nav.fleet": "Fleet set-up",
        "fleet.title": "Fleet set-up: depots, vehicles and drivers",
        "fleet.intro": "First time here? Do these steps in order, then plan:",
        "fleet.step.depot": "Create a depot (where the vans start)",
        "fleet.step.vehicle": "Create a vehicle and give it its depot",
        "fleet.step.driver": "Create a driver and the vehicle they usually drive",
        "fleet.step.orders": "On the plan board, import orders and press Start planning",
        "fleet.step.done": "done",
        "fleet.depots": "Depots",
        "fleet.vehicles": "Vehicles",
        "fleet.drivers": "Drivers",
        "fleet.depots.empty": "No depot yet. Create the first one.",
        "fleet.vehicles.empty": "No vehicles yet.",
        "fleet.drivers.empty": "No drivers yet.",
        "fleet.new.depots": "New depot",
        "fleet.new.vehicles": "New vehicle",
        "fleet.new.drivers": "New driver",
        "fleet.edit": "Edit",
        "fleet.editing": "Editing {code}",
        "fleet.save": "Save",
        "fleet.create": "Create",
        "fleet.cancel": "Cancel editing",
        "fleet.saved": "{code} saved",
        "fleet.created": "{code} created",
        "fleet.none": "(none)",
        "fleet.import.file": "Import from a file (CSV / Excel)",
        "fleet.import.submit": "Import",
        "fleet.import.columns": "Row 1 names the columns (bold ones are required):",
        "fleet.import.done": "{n} rows imported",
        "fleet.coordinates.help": "The address is enough when a geocoder is set up; otherwise give the latitude "
        "and longitude (right-click the place in a map to copy them, e.g. 25.0478, 121.5170).",
        "fleet.kind.van": "Van",
        "fleet.kind.scooter": "Scooter",
        "field.code": "Code",
        "field.name": "Name",
        "field.address": "Address",
        "field.lat": "Latitude",
        "field.lng": "Longitude",
        "field.kind": "Kind",
        "field.depot_id": "Depot",
        "field.depot_code": "Depot code",
        "field.capacity_weight_kg": "Capacity (kg)",
        "field.capacity_volume_l": "Volume (L)",
        "field.capacity_boxes": "Boxes",
        "field.shift_start": "Shift start",
        "field.shift_end": "Shift end",
        "field.fixed_cost_twd": "Fixed cost per day (TWD)",
        "field.break_start": "Break earliest start",
        "field.break_end": "Break latest start",
        "field.break_minutes": "Break minutes",
        "field.max_working_minutes": "Longest working day (min)",
        "field.max_trips": "Trips per day",
        "field.phone": "Phone",
        "field.vehicle_id": "Usual vehicle",
        "field.vehicle_code": "Usual vehicle code",
        "field.user_subject": "Login",
    },
}

# Problems of the fleet API (problem.<code> / error.<code>), per noun.
_NOUNS = {
    "zh-TW": {"depot": "倉庫", "vehicle": "車輛", "driver": "司機"},
    "en": {"depot": "depot", "vehicle": "vehicle", "driver": "driver"},
}
_PER_NOUN = {
    "zh-TW": {
        "not_found": "找不到{noun} {{id}}。",
        "code_taken": "{noun}代號 {{code}} 已經存在。",
        "code_race": "剛好有另一筆相同代號的{noun}建立了，請重新整理後再試。",
    },
    "en": {
        "not_found": "No {noun} {{id}}.",
        "code_taken": "{noun} {{code}} already exists.",
        "code_race": "A {noun} with this code was created at the same time; reload and try again.",
    },
}
_RULES = {
    "zh-TW": {
        "dispatch.field.not_null": "這個欄位不能清空",
        "dispatch.vehicle.shift_order": "下班時間必須晚於上班時間",
        "dispatch.vehicle.break_pair": "休息最早與最晚開始時間要一起填，或都不填",
        "dispatch.vehicle.break_order": "休息最晚開始時間不能早於最早開始時間",
        "dispatch.vehicle.break_window": "設定休息分鐘時，也要填休息的時間範圍",
    },
    "en": {
        "dispatch.field.not_null": "this field cannot be cleared",
        "dispatch.vehicle.shift_order": "shift_end must be after shift_start",
        "dispatch.vehicle.break_pair": "give both break_start and break_end, or neither",
        "dispatch.vehicle.break_order": "break_end must not be before break_start",
        "dispatch.vehicle.break_window": "break_minutes needs the window break_start..break_end",
    },
}
for _lang in ("zh-TW", "en"):
    for _noun, _word in _NOUNS[_lang].items():
        for _kind, _text in _PER_NOUN[_lang].items():
            _said = _text.format(noun=_word)
            MESSAGES[_lang][f"problem.dispatch.{_noun}.{_kind}"] = _said[0].upper() + _said[1:]
            MESSAGES[_lang][f"error.dispatch.{_noun}.{_kind}"] = _said
    for _code, _text in _RULES[_lang].items():
        MESSAGES[_lang][f"problem.{_code}"] = _text
        MESSAGES[_lang][f"error.{_code}"] = _text
