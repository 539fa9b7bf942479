"""Is an uploaded file an equirectangular panorama we accept? Decided from its bytes alone.

The order matters: the kind comes from the magic bytes (never the name or the declared type),
the canvas size from the header before Pillow decodes a pixel (a decompression bomb is a few
kilobytes that declare gigapixels), then the shape after EXIF orientation, then a full decode
that must succeed (a truncated file is refused, never filled with grey).
"""

from __future__ import annotations

import contextlib
import io
import struct
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageFile, ImageOps, UnidentifiedImageError

# Pillow's default, restated: a truncated upload must fail its decode, not load half-grey.
ImageFile.LOAD_TRUNCATED_IMAGES = False

JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# EXIF orientations 5-8 turn the picture a quarter: a stored 1:2 array shows as 2:1.
QUARTER_TURNS = {5, 6, 7, 8}
ORIENTATION_TAG = 0x0112


@dataclass(frozen=True)
class Limits:
    max_pixels: int
    min_width: int = 1024
    min_height: int = 512
    aspect_tolerance: float = 0.01


@dataclass(frozen=True)
class Inspection:
    kind: str  # "jpeg" | "png"
    width: int  # as displayed, after EXIF orientation
    height: int
    mode: str  # the stored colour mode (converted to RGB when processed)


class Refused(Exception):
    """Why a file is refused; ``status`` is the HTTP answer (413, 415, 422)."""

    def __init__(self, status: int, reason: str, message: str, key: str | None = None, **params: object) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = message
        self.code = f"virtual.panorama.{key or reason}"  # catalog key problem.<code>, formatted with params
        self.params = params


def sniff_kind(data: bytes) -> str:
    if data.startswith(JPEG_MAGIC):
        return "jpeg"
    if data.startswith(PNG_MAGIC):
        return "png"
    if not data:
        raise Refused(422, "empty", "The file is empty.")
    raise Refused(415, "not_jpeg_or_png", "The file is not a JPEG or PNG image (judged by its content, not its name).")


def header_size(data: bytes, kind: str) -> tuple[int, int]:
    """Width and height as the header declares them, read without any pixel decoding."""
    if kind == "png":
        # The first chunk of every PNG is IHDR: length, b"IHDR", width, height.
        if len(data) < 24 or data[12:16] != b"IHDR":
            raise Refused(422, "corrupt", "The PNG header is damaged.", "png_header")
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            raise Refused(422, "corrupt", "The JPEG header is damaged.", "jpeg_header")
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            pos += 2
            continue
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        if length < 2:
            raise Refused(422, "corrupt", "The JPEG header is damaged.", "jpeg_header")
        # SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the frame size.
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            if pos + 9 > len(data):
                break
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            return width, height
        if marker in (0xD9, 0xDA):  # end of image or start of scan before any frame header
            break
        pos += 2 + length
    raise Refused(422, "corrupt", "The JPEG has no readable frame header.", "no_frame")


def _orientation(im: Image.Image) -> int:
    try:
        value = im.getexif().get(ORIENTATION_TAG, 1)
    except Exception:  # noqa: BLE001 - a corrupt EXIF block is stripped, not trusted
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def inspect(data: bytes, limits: Limits) -> Inspection:
    """Accept or refuse (``Refused``) an upload; the image is fully decoded once to prove it whole."""
    kind = sniff_kind(data)
    width, height = header_size(data, kind)
    if width <= 0 or height <= 0:
        raise Refused(422, "corrupt", "The image declares no pixels.", "no_pixels")
    if width * height > limits.max_pixels:
        raise Refused(
            413,
            "too_many_pixels",
            f"The image declares {width}x{height} = {width * height:,} pixels; "
            f"at most {limits.max_pixels:,} are accepted.",
            "pixels_declared",
            width=width,
            height=height,
            pixels=width * height,
            limit=limits.max_pixels,
        )
    try:
        im = Image.open(io.BytesIO(data), formats=["JPEG", "PNG"])
    except Image.DecompressionBombError:
        raise Refused(413, "too_many_pixels", "The image declares more pixels than are accepted.") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, struct.error):
        raise Refused(422, "corrupt", "The image cannot be read: its data is damaged.", "unreadable") from None
    with im:
        if im.size != (width, height) or im.width * im.height > limits.max_pixels:
            raise Refused(422, "corrupt", "The image header contradicts itself.", "header_contradicts")
        if getattr(im, "n_frames", 1) > 1:
            raise Refused(422, "animated", "Animated images are not panoramas; upload a single still picture.")
        if _orientation(im) in QUARTER_TURNS:
            width, height = height, width
        if width < limits.min_width or height < limits.min_height:
            raise Refused(
                422,
                "too_small",
                f"The panorama is {width}x{height}; at least {limits.min_width}x{limits.min_height} is needed.",
                width=width,
                height=height,
                min_width=limits.min_width,
                min_height=limits.min_height,
            )
        ratio = width / height
        if abs(ratio - 2) > 2 * limits.aspect_tolerance:
            raise Refused(
                422,
                "not_2_to_1",
                f"An equirectangular panorama is twice as wide as high (2:1); this one is {width}x{height} "
                f"({ratio:.3f}:1, after EXIF orientation).",
                width=width,
                height=height,
                ratio=f"{ratio:.3f}",
            )
        try:
            im.load()
        except Image.DecompressionBombError:
            raise Refused(413, "too_many_pixels", "The image declares more pixels than are accepted.") from None
        except (OSError, SyntaxError, ValueError, struct.error, EOFError, MemoryError):
            raise Refused(422, "truncated_or_corrupt", "The image data is truncated or damaged.") from None
        return Inspection(kind=kind, width=width, height=height, mode=im.mode)


def normalized_rgb(data: bytes) -> Image.Image:
    """The upload as plain 8-bit sRGB pixels: EXIF orientation applied, alpha on white, no metadata."""
    im: Image.Image = Image.open(io.BytesIO(data), formats=["JPEG", "PNG"])
    im.load()
    icc = im.info.get("icc_profile")
    # Only turn what needs turning: a transpose copies the whole picture.
    if _orientation(im) != 1:
        with contextlib.suppress(Exception):  # a corrupt EXIF block: keep the stored orientation
            im = ImageOps.exif_transpose(im)
    if im.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        im = im.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        im = Image.alpha_composite(background, rgba)
    if icc and im.mode in ("RGB", "CMYK"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            converted = ImageCms.profileToProfile(im, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
            if converted is not None:
                im = converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: plain conversion below
    if im.mode != "RGB":
        im = im.convert("RGB")
    im.info.clear()
    return im
