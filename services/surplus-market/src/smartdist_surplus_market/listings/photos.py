"""Listing photos from phones: checked, then re-encoded with Pillow (the uploaded bytes are never served).

JPEG, PNG or WebP by their bytes, at most ``max_bytes`` and ``max_pixels`` (read from the header
before decoding), fully decoded (truncated or corrupt data is refused), turned upright by EXIF,
then saved as a fresh JPEG of at most 1600 px and a 320 px thumbnail — which also drops EXIF
(the phone's GPS position) and anything hidden after the image data.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from smartdist.problems import Problem, Unprocessable

ACCEPTED = {"JPEG", "PNG", "WEBP"}
LARGEST_SIDE = 1600
THUMBNAIL_SIDE = 320


class PhotoTooLarge(Problem):
    status = 413
    title = "Photo too large"


class PhotoNotAnImage(Problem):
    status = 415
    title = "Not a JPEG, PNG or WebP photo"


class PhotoUnreadable(Unprocessable):
    title = "Photo cannot be read"


@dataclass(frozen=True)
class Photo:
    image: bytes
    thumbnail: bytes
    width: int
    height: int


def _jpeg(image: Image.Image, side: int) -> tuple[bytes, tuple[int, int]]:
    copy = image.copy()
    copy.thumbnail((side, side))
    out = io.BytesIO()
    copy.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue(), copy.size


def reencode(data: bytes, *, max_bytes: int, max_pixels: int) -> Photo:
    if len(data) > max_bytes:
        raise PhotoTooLarge(
            f"the photo is over {max_bytes // 1_000_000} MB",
            code="surplus.photo.too_big",
            params={"mb": max_bytes // 1_000_000},
            errors=[
                {
                    "loc": ["file"],
                    "message": f"over {max_bytes} bytes",
                    "code": "surplus.photo_too_big",
                    "params": {"mb": max_bytes // 1_000_000},
                }
            ],
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            if probe.format not in ACCEPTED:
                raise PhotoNotAnImage(
                    f"{probe.format} is not accepted; send a JPEG, PNG or WebP photo",
                    code="surplus.photo.format",
                    params={"format": str(probe.format)},
                    errors=[{"loc": ["file"], "message": "not JPEG/PNG/WebP", "code": "surplus.photo_format"}],
                )
            width, height = probe.size
            if width * height > max_pixels:
                raise PhotoTooLarge(
                    f"{width}×{height} pixels is over the {max_pixels:,} pixel limit",
                    code="surplus.photo.pixels",
                    params={"width": width, "height": height, "limit": max_pixels},
                    errors=[{"loc": ["file"], "message": "too many pixels", "code": "surplus.photo_pixels"}],
                )
            probe.load()  # the full decode: truncated data fails here
            upright = ImageOps.exif_transpose(probe).convert("RGB")
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoNotAnImage(
            "the file is not a photo this service can read",
            code="surplus.photo.not_image",
            errors=[{"loc": ["file"], "message": "not an image", "code": "surplus.photo_not_image"}],
        ) from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise PhotoUnreadable(
            f"the photo is damaged or truncated ({exc})",
            code="surplus.photo.damaged",
            errors=[{"loc": ["file"], "message": "corrupt image", "code": "surplus.photo_damaged"}],
        ) from None
    image, (width, height) = _jpeg(upright, LARGEST_SIDE)
    thumbnail, _ = _jpeg(upright, THUMBNAIL_SIDE)
    return Photo(image, thumbnail, width, height)
