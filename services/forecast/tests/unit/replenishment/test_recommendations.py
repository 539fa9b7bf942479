import io

import pandas as pd
from openpyxl import load_workbook

from smartdist_forecast.replenishment.policy import ReplenishmentParams
from smartdist_forecast.replenishment.recommendations import (
    forecast_csv,
    recommend_orders,
    table_xlsx,
)


def _forecasts() -> pd.DataFrame:
    dates = pd.date_range("2025-01-01", periods=10, freq="D")
    frames = []
    for store, sku, level in [("10101", "A", 10.0), ("10101", "B", 3.0), ("10102", "A", 5.0)]:
        frames.append(
            pd.DataFrame(
                {"store": store, "sku": sku, "date": dates, "yhat": level, "yhat_lo": level - 2, "yhat_hi": level + 2}
            )
        )
    return pd.concat(frames, ignore_index=True)


def test_every_stocked_item_gets_an_order_with_its_own_parameters():
    stock = pd.DataFrame({"store": ["10101", "10101"], "sku": ["A", "B"], "on_hand": [5, 100], "on_order": [0, 0]})
    default = ReplenishmentParams(lead_time_days=1, review_period_days=2, pack_size=1, service_level=0.9)
    cases = {("10101", "A"): ReplenishmentParams(1, 2, pack_size=12, service_level=0.9)}
    table = recommend_orders(_forecasts(), stock, default, cases).set_index("sku")
    assert list(table.index) == ["A", "B"]  # 10102/A has no stock row: nothing to recommend
    assert table.loc["A", "order_qty"] % 12 == 0 and table.loc["A", "order_qty"] >= 30 - 5
    assert table.loc["B", "order_qty"] == 0


def test_forecast_csv_has_the_contract_columns_and_iso_dates():
    text = forecast_csv(_forecasts()).decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == "store,sku,date,yhat,yhat_lo,yhat_hi"
    assert lines[1] == "10101,A,2025-01-01,10.0,8.0,12.0"


def test_excel_download_opens_with_header_and_rows():
    stock = pd.DataFrame({"store": ["10101"], "sku": ["A"], "on_hand": [0]})
    table = recommend_orders(_forecasts(), stock, ReplenishmentParams(1, 1))
    workbook = load_workbook(io.BytesIO(table_xlsx(table, "補貨建議")))
    sheet = workbook["補貨建議"]
    assert sheet["A1"].value == "store" and sheet["A2"].value == "10101"
    assert sheet.max_row == 2
