"""Texts of imports, zh-TW and English: the sheet's problems and each bad cell's message.

A cell the schema refuses carries ``wms.import.validation.<type>`` (the Pydantic error type); its
text is the platform's own wording of that type, so a row error reads like a form error.
"""

from __future__ import annotations

from smartdist.web.i18n import shared_catalog

_OWN: dict[str, dict[str, str]] = {
    "zh-TW": {
        "problem.wms.import.rows": "{rows} 列有錯誤，整份檔案都沒有匯入",
        "problem.wms.import.file_type": "請上傳 .csv（UTF-8）或 .xlsx 檔案",
        "problem.wms.import.too_large": "檔案超過 {mb} MB",
        "problem.wms.import.missing_columns": "標題列缺少欄位：{columns}",
        "problem.wms.import.unknown_columns": "標題列有不認得的欄位：{columns}",
        "problem.wms.import.too_many_rows": "每次最多匯入 {rows} 列",
        "problem.wms.import.empty": "檔案在標題列下沒有資料",
        "problem.wms.import.not_utf8": "CSV 不是 UTF-8 編碼（請另存為「CSV UTF-8」）",
        "problem.wms.import.not_xlsx": "無法讀取這個 .xlsx 活頁簿",
        "error.wms.import.duplicate": "{value} 與第 {first_row} 列重複",
        "error.wms.import.exists": "{value} 已經存在",
        "error.wms.import.unknown_sku": "找不到商品 {value}",
        "error.wms.import.too_many_lines": "{value}：每張單最多 500 行",
        "field.sku": "商品編號",
        "field.ref": "單號",
        "field.qty": "數量",
    },
    "en": {
        "problem.wms.import.rows": "{rows} row(s) have errors; nothing was imported",
        "problem.wms.import.file_type": "Upload a .csv (UTF-8) or .xlsx file",
        "problem.wms.import.too_large": "The file is larger than {mb} MB",
        "problem.wms.import.missing_columns": "The header row lacks the columns: {columns}",
        "problem.wms.import.unknown_columns": "Unknown columns in the header row: {columns}",
        "problem.wms.import.too_many_rows": "At most {rows} rows per upload",
        "problem.wms.import.empty": "The sheet has no rows under its header",
        "problem.wms.import.not_utf8": "The CSV is not UTF-8 (save it as 'CSV UTF-8')",
        "problem.wms.import.not_xlsx": "The file is not a readable .xlsx workbook",
        "error.wms.import.duplicate": "{value} is also in row {first_row}",
        "error.wms.import.exists": "{value} already exists",
        "error.wms.import.unknown_sku": "unknown sku {value}",
        "error.wms.import.too_many_lines": "{value}: at most 500 lines per order",
        "field.sku": "SKU",
        "field.ref": "Ref",
        "field.qty": "Quantity",
    },
}


def _catalog() -> dict[str, dict[str, str]]:
    out = {lang: dict(texts) for lang, texts in _OWN.items()}
    for lang in out:
        for key, text in shared_catalog(lang).items():
            if key.startswith("validation."):
                out[lang][f"error.wms.import.{key}"] = text
    return out


MESSAGES = _catalog()
