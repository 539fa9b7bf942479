"""Code 128 barcodes as inline SVG for labels and lists (python-barcode, no text drawn in the SVG)."""

from __future__ import annotations

import barcode
from barcode.errors import BarcodeError
from barcode.writer import SVGWriter


def code128_svg(code: str, *, height_mm: float = 12.0) -> str:
    """An ``<svg>`` element of the code (the page prints the human-readable text beside it); empty
    when the code cannot be drawn (Code 128 takes printable ASCII only)."""
    try:
        drawn = barcode.get("code128", code, writer=SVGWriter()).render(
            {"module_height": height_mm, "module_width": 0.3, "write_text": False, "quiet_zone": 2.0}
        )
    except (BarcodeError, ValueError):
        return ""
    svg = bytes(drawn).decode("utf-8")
    return svg[svg.index("<svg") :]
