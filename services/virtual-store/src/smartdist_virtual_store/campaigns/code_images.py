"""A coupon code drawn for the wallet: a QR code and a Code 128 barcode, both SVG."""

from __future__ import annotations

import io

import barcode
import qrcode
import qrcode.image.svg
from barcode.writer import SVGWriter


def qr_svg(code: str) -> bytes:
    image = qrcode.make(code, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    data: bytes = image.to_string(encoding="utf-8")
    return data


def barcode_svg(code: str) -> bytes:
    """Code 128: what a counter's laser scanner reads off a phone screen."""
    buf = io.BytesIO()
    barcode.get("code128", code, writer=SVGWriter()).write(
        buf, options={"module_height": 12.0, "font_size": 8, "text_distance": 4.0, "quiet_zone": 4.0}
    )
    return buf.getvalue()
