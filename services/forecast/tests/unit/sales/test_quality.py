import numpy as np
import pandas as pd

from smartdist_forecast.sales.csv_source import RowError
from smartdist_forecast.sales.quality import build_quality_report


def _steady(store: str, sku: str, days: int = 70, level: int = 20) -> pd.DataFrame:
    dates = pd.date_range("2024-01-01", periods=days, freq="D")
    rng = np.random.default_rng(len(store) + len(sku))
    return pd.DataFrame({"store": store, "sku": sku, "date": dates, "qty": rng.poisson(level, days)})


def test_report_finds_gaps_zero_runs_outliers_and_unknown_master_data():
    clean = _steady("A", "x")
    gappy = _steady("A", "y").drop(index=[10, 11, 12])
    zeros = _steady("B", "x")
    zeros.loc[20:29, "qty"] = 0
    spiky = _steady("B", "y")
    spiky.loc[40, "qty"] = 400
    sales = pd.concat([clean, gappy, zeros, spiky], ignore_index=True)
    errors = [
        RowError(5, "總銷量", "總銷量 must not be negative (returns are not sales rows)", "forecast.pos.qty_negative"),
        RowError(9, "店號", "店號 (store number) is empty", "forecast.pos.store_empty"),
    ]
    report = build_quality_report(sales, known_stores={"A"}, known_skus={"x", "y"}, import_errors=errors)
    assert report.series == 4 and report.rows == len(sales)
    assert [(g.store, g.sku, g.missing_days, g.longest_gap_days) for g in report.gaps] == [("A", "y", 3, 3)]
    assert [(z.store, z.sku, z.days) for z in report.zero_runs] == [("B", "x", 10)]
    assert ("B", "y", "2024-02-10") in {(o.store, o.sku, o.date) for o in report.outliers}
    assert report.unknown_stores == ["B"] and report.unknown_skus == []
    assert report.negative_rows == 1
    assert report.rejected_rows == 2 and report.rejected_by_column == {"總銷量": 1, "店號": 1}


def test_steady_series_raise_no_alarms():
    report = build_quality_report(pd.concat([_steady("A", "x"), _steady("A", "y")]))
    assert report.gaps == [] and report.zero_runs == [] and report.outliers == []
    assert report.as_dict()["first_date"] == "2024-01-01"


def test_empty_import_gives_an_empty_report():
    report = build_quality_report(pd.DataFrame(columns=["store", "sku", "date", "qty"]))
    assert report.rows == 0 and report.first_date is None
