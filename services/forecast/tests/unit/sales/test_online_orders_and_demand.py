import io

import pandas as pd
import pytest

from smartdist_forecast.sales.demand import daily_demand
from smartdist_forecast.sales.online_orders import OnlineHeaderError, parse_online_orders_csv
from smartdist_forecast.sales.pos_csv import parse_pos_csv

from ..forecast_data import as_stream, sample_lines

ONLINE = """date,store,sku,channel,qty,stockout_qty,returned_qty
2019-12-31,10101,11001010,delivery,4,1,0
2019/12/31,10101,11001010,pickup,2,,1
2019-12-31,10101,11001020,drone,1,0,0
2019-12-31,10101,11001020,delivery,-1,0,0
2019-12-31,10101,11001010,delivery,9,0,0
2019-12-32,10101,11001010,pickup,1,0,0
"""


def test_online_orders_parse_with_per_row_errors():
    result = parse_online_orders_csv(io.BytesIO(ONLINE.encode("utf-8-sig")))
    assert result.encoding == "utf-8-sig"
    assert result.rows_accepted == 2
    assert {(e.row, e.column) for e in result.errors} == {(3, "channel"), (4, "qty"), (5, None), (6, "date")}
    assert result.orders["stockout_qty"].tolist() == [1, 0]  # empty means 0


def test_online_orders_with_wrong_header_are_refused():
    with pytest.raises(OnlineHeaderError):
        parse_online_orders_csv(io.BytesIO(b"day,shop,item,qty\n"))


def test_demand_adds_online_channels_and_lost_sales_less_returns_and_flags_stockout_days():
    pos = parse_pos_csv(as_stream(sample_lines(2))).sales
    online = parse_online_orders_csv(io.BytesIO(ONLINE.encode())).orders
    demand = daily_demand(pos, online).set_index("sku")
    first = demand.loc["11001010"]
    assert first["store_qty"] == 13
    assert first["delivery_qty"] == 4 and first["pickup_qty"] == 2 and first["stockout_qty"] == 1
    assert first["returned_qty"] == 1
    assert first["qty"] == 13 + 4 + 2 - 1 + 1
    assert bool(first["stockout"]) is True
    assert demand.loc["11001020", "qty"] == 33  # no online orders for it
    assert bool(demand.loc["11001020", "stockout"]) is False


def test_returns_never_make_demand_negative():
    pos = parse_pos_csv(as_stream(sample_lines(1))).sales
    day = pos["date"].iloc[0]
    online = pd.DataFrame(
        {
            "row": [1],
            "date": [day],
            "store": [pos["store"].iloc[0]],
            "sku": [pos["sku"].iloc[0]],
            "channel": ["delivery"],
            "qty": [0],
            "stockout_qty": [0],
            "returned_qty": [10_000],
        }
    )
    demand = daily_demand(pos, online)
    assert demand["qty"].tolist() == [0]


def test_online_only_day_still_becomes_demand():
    pos = parse_pos_csv(as_stream(sample_lines(1))).sales
    online = pd.DataFrame(
        {
            "row": [1],
            "date": pd.to_datetime(["2020-01-01"]),
            "store": ["10101"],
            "sku": ["11001010"],
            "channel": ["pickup"],
            "qty": [3],
            "stockout_qty": [0],
            "returned_qty": [0],
        }
    )
    demand = daily_demand(pos, online)
    assert len(demand) == 2
    assert demand.iloc[1]["qty"] == 3 and demand.iloc[1]["category"] == "11000"
