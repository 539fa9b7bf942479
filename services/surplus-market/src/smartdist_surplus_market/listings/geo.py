"""Great-circle distances and the grid cells that prefilter nearby searches through a B-tree.

The earth is cut into cells of ``CELL_DEG`` degrees of latitude and longitude; a listing stores
its cell number (``row * COLS + col``). A circle of radius r is covered by one contiguous range
of cell numbers per grid row, so a search is a handful of ``cell BETWEEN a AND b`` index ranges,
and the exact haversine distance is computed only for the rows those ranges return.
"""

from __future__ import annotations

import math

EARTH_RADIUS_M = 6_371_008.8  # IUGG mean earth radius
CELL_DEG = 0.01  # about 1.1 km north-south
ROWS = round(180 / CELL_DEG)
COLS = round(360 / CELL_DEG)
M_PER_DEG_LAT = math.pi * EARTH_RADIUS_M / 180


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def _row(lat: float) -> int:
    return min(ROWS - 1, max(0, math.floor((lat + 90) / CELL_DEG)))


def _col(lng: float) -> int:
    return min(COLS - 1, max(0, math.floor((lng + 180) / CELL_DEG)))


def cell_of(lat: float, lng: float) -> int:
    return _row(lat) * COLS + _col(lng)


def cell_ranges(lat: float, lng: float, radius_m: float) -> list[tuple[int, int]]:
    """Inclusive ranges of cell numbers that cover every point within ``radius_m`` of (lat, lng)."""
    dlat = radius_m / M_PER_DEG_LAT
    lat_lo, lat_hi = max(-90.0, lat - dlat), min(90.0, lat + dlat)
    # The circle is widest (in degrees of longitude) at the latitude nearest a pole.
    widest = max(abs(lat_lo), abs(lat_hi))
    cos_lat = math.cos(math.radians(widest))
    if cos_lat < 1e-6 or radius_m / (M_PER_DEG_LAT * cos_lat) >= 180:
        col_spans = [(0, COLS - 1)]
    else:
        dlng = radius_m / (M_PER_DEG_LAT * cos_lat)
        lo, hi = lng - dlng, lng + dlng
        if lo < -180:  # across the antimeridian: two spans
            col_spans = [(_col(lo + 360), COLS - 1), (0, _col(hi))]
        elif hi >= 180:
            col_spans = [(_col(lo), COLS - 1), (0, _col(hi - 360))]
        else:
            col_spans = [(_col(lo), _col(hi))]
    ranges: list[tuple[int, int]] = []
    for row in range(_row(lat_lo), _row(lat_hi) + 1):
        for c0, c1 in col_spans:
            ranges.append((row * COLS + c0, row * COLS + c1))
    return ranges


def bounding_box(lat: float, lng: float, radius_m: float) -> tuple[float, float, float, float]:
    """(lat_lo, lat_hi, lng_lo, lng_hi) around the circle; the whole longitude range near a pole or
    across the antimeridian (the cell ranges already cut those searches down)."""
    dlat = radius_m / M_PER_DEG_LAT
    lat_lo, lat_hi = max(-90.0, lat - dlat), min(90.0, lat + dlat)
    cos_lat = math.cos(math.radians(max(abs(lat_lo), abs(lat_hi))))
    if cos_lat < 1e-6:
        return lat_lo, lat_hi, -180.0, 180.0
    dlng = radius_m / (M_PER_DEG_LAT * cos_lat)
    if lng - dlng < -180 or lng + dlng > 180:
        return lat_lo, lat_hi, -180.0, 180.0
    return lat_lo, lat_hi, lng - dlng, lng + dlng


def cells_or_ranges(
    lat: float, lng: float, radius_m: float, *, max_cells: int = 256
) -> tuple[list[int], list[tuple[int, int]]]:
    """The covering cells one by one when there are few (an index-only ``cell IN (...)`` lookup on
    either database), else as ranges (one per row of cells) for a wide search."""
    ranges = cell_ranges(lat, lng, radius_m)
    if sum(hi - lo + 1 for lo, hi in ranges) > max_cells:
        return [], ranges
    return [c for lo, hi in ranges for c in range(lo, hi + 1)], []
