"""An equirectangular picture → what Pannellum's ``multires`` viewer loads: cube-face tiles in
levels of detail, a fallback face set, an equirectangular preview and a thumbnail.

Faces, levels and tile names follow Pannellum's own ``utils/multires/generate.py`` (face letters
f r b l u d, ``<level>/<face><row>_<col>.jpg``, level 1 the coarsest), so its viewer config is
the one that script prints. Faces are sampled bilinearly straight from the equirectangular
pixels in strips, so memory stays near one copy of the source whatever its size.
"""

from __future__ import annotations

import io
import math
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from PIL import Image

FACES = "frblud"
STRIP_ROWS = 512
FALLBACK_SIZE = 1024
PREVIEW_WIDTH = 2048
THUMBNAIL_WIDTH = 512


@dataclass(frozen=True)
class MultiresLayout:
    cube_size: int
    tile_size: int
    levels: int

    def level_size(self, level: int) -> int:
        size = self.cube_size
        for _ in range(self.levels - level):
            size //= 2
        return size

    def tile_count(self) -> int:
        return sum(6 * math.ceil(self.level_size(lv) / self.tile_size) ** 2 for lv in range(1, self.levels + 1))


def layout_for(width: int, tile_size: int = 512) -> MultiresLayout:
    """Pannellum's generate.py sizes: cube face ≈ width / π, a multiple of 8."""
    cube = max(8, 8 * int(width / math.pi / 8))
    tile = min(tile_size, cube)
    levels = int(math.ceil(math.log2(cube / tile))) + 1
    return MultiresLayout(cube_size=cube, tile_size=tile, levels=levels)


def face_indexes(width: int, height: int, size: int) -> Iterator[tuple[str, np.ndarray]]:
    """Per face, the source pixel (row * width + col) behind each face pixel (nearest sampling).

    At the face size Pannellum uses (≈ width / π) a face pixel is about one source pixel, and every
    coarser level is a proper downscale of the finest. Symmetry saves the trigonometry: the four
    side faces share one pitch map and differ only by a quarter turn of yaw, and the floor is the
    ceiling mirrored.
    """
    t = 2.0 * (np.arange(size, dtype=np.float32) + 0.5) / size - 1.0  # -1..1 across a face
    two_pi, pi, half = np.float32(2 * np.pi), np.float32(np.pi), np.float32(0.5)
    # side faces (x right, y up, z forward): front sees direction (a, -b, 1)
    yaw_cols = np.arctan(t)  # one yaw per column
    pitch = np.arctan2(-t[:, None], np.sqrt(1.0 + t[None, :] ** 2))
    rows = np.clip(((half - pitch / pi) * height).astype(np.int32), 0, height - 1)
    del pitch
    row_base = rows * np.int32(width)
    del rows
    for quarter, face in enumerate("frbl"):
        cols = ((yaw_cols / two_pi + half + np.float32(quarter / 4)) * width).astype(np.int64) % width
        yield face, row_base + cols[None, :].astype(np.int32)
    del row_base
    # ceiling: direction (a, 1, b); the image's bottom edge meets the front face
    a, b = t[None, :], t[:, None]
    yaw = np.arctan2(np.broadcast_to(a, (size, size)), np.broadcast_to(b, (size, size)))
    cols = ((yaw / two_pi + half) * width).astype(np.int32)
    del yaw
    np.clip(cols, 0, width - 1, out=cols)
    up_pitch = np.arctan2(np.float32(1.0), np.hypot(a, b))
    up_rows = np.clip(((half - up_pitch / pi) * height).astype(np.int32), 0, height - 1)
    del up_pitch
    yield "u", up_rows * np.int32(width) + cols
    # floor: direction (a, -1, -b) is the ceiling's map upside down, rows mirrored
    yield "d", (np.int32(height - 1) - up_rows[::-1]) * np.int32(width) + cols[::-1]


def _face_image(packed: np.ndarray, index: np.ndarray, size: int) -> Image.Image:
    pixels = np.take(packed, index)
    return Image.frombuffer("RGBA", (size, size), pixels, "raw", "RGBA", 0, 1).convert("RGB")


def _half(im: Image.Image, size: int) -> Image.Image:
    smaller = im.reduce(2) if im.width >= 2 * size else im
    return smaller if smaller.width == size else smaller.resize((size, size), Image.Resampling.BILINEAR)


def _jpeg(im: Image.Image, quality: int) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=quality, optimize=False, progressive=False)
    return buf.getvalue()


def _fit_width(im: Image.Image, width: int) -> Image.Image:
    if im.width <= width:
        return im.copy()
    return im.resize((width, width // 2), Image.Resampling.BILINEAR, reducing_gap=2.0)


def pack_pixels(im: Image.Image, workers: int = 2) -> np.ndarray:
    """The picture as one uint32 per pixel (RGBA bytes), converted band by band (on ``workers``
    threads) so no full-size RGBA copy ever exists beside the packed array."""
    width, height = im.size
    packed = np.empty(width * height, dtype=np.uint32)

    def pack_band(top: int) -> None:
        bottom = min(top + STRIP_ROWS, height)
        band = im.crop((0, top, width, bottom)).convert("RGBA")
        packed[top * width : bottom * width] = np.frombuffer(band.tobytes(), dtype=np.uint32)

    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="pack") as pool:
        list(pool.map(pack_band, range(0, height, STRIP_ROWS)))
    return packed


def preview_files(im: Image.Image, quality: int = 85) -> Iterator[tuple[str, bytes]]:
    """The equirectangular preview and the thumbnail."""
    yield "preview.jpg", _jpeg(_fit_width(im, PREVIEW_WIDTH), quality)
    yield "thumbnail.jpg", _jpeg(_fit_width(im, THUMBNAIL_WIDTH), quality)


def _face_files(face: str, face_im: Image.Image, layout: MultiresLayout, quality: int) -> list[tuple[str, bytes]]:
    """Every tile of one cube face at every level, and its fallback face (one worker's share)."""
    out: list[tuple[str, bytes]] = []
    size = layout.cube_size
    fallback: Image.Image | None = None
    for level in range(layout.levels, 0, -1):
        if size != face_im.width:
            face_im = _half(face_im, size)
        if fallback is None and size <= 2 * FALLBACK_SIZE:
            fallback = (
                face_im if size == FALLBACK_SIZE else face_im.resize((FALLBACK_SIZE,) * 2, Image.Resampling.BILINEAR)
            )
        tiles = math.ceil(size / layout.tile_size)
        for i in range(tiles):
            for j in range(tiles):
                box = (
                    j * layout.tile_size,
                    i * layout.tile_size,
                    min((j + 1) * layout.tile_size, size),
                    min((i + 1) * layout.tile_size, size),
                )
                out.append((f"{level}/{face}{i}_{j}.jpg", _jpeg(face_im.crop(box), quality)))
        size //= 2
    if fallback is None:
        fallback = face_im.resize((FALLBACK_SIZE,) * 2, Image.Resampling.BILINEAR)
    out.append((f"fallback/{face}.jpg", _jpeg(fallback, quality)))
    return out


def tile_files(
    packed: np.ndarray,
    width: int,
    height: int,
    *,
    tile_size: int = 512,
    quality: int = 85,
    workers: int = 2,
    progress: Callable[[float], None] = lambda f: None,
) -> Iterator[tuple[str, bytes]]:
    """Yield (relative path, JPEG bytes) of every cube tile and fallback face, face by face.

    This thread works out each face's pixels (its pixel map and one gather), and ``workers``
    threads cut, downscale and encode the faces (Pillow releases the GIL while it resamples and
    encodes); the files are handed on in face order. At most ``workers`` faces wait in memory,
    as RGB pictures (the pixel maps are dropped as soon as they are used)."""
    layout = layout_for(width, tile_size)
    done = 0
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="tiles") as pool:
        pending: deque[Future[list[tuple[str, bytes]]]] = deque()
        for face, source in face_indexes(width, height, layout.cube_size):
            face_im = _face_image(packed, source, layout.cube_size)
            del source
            pending.append(pool.submit(_face_files, face, face_im, layout, quality))
            del face_im
            while len(pending) >= max(1, workers):
                yield from pending.popleft().result()
                done += 1
                progress(done / len(FACES))
        while pending:
            yield from pending.popleft().result()
            done += 1
            progress(done / len(FACES))


def render_panorama(
    im: Image.Image,
    *,
    tile_size: int = 512,
    quality: int = 85,
    progress: Callable[[float], None] = lambda f: None,
) -> Iterator[tuple[str, bytes]]:
    """Every file the viewer needs from one RGB picture (the picture stays referenced throughout;
    ``render_files`` drops it after packing to save memory)."""
    if im.mode != "RGB":
        raise ValueError("render_panorama needs an RGB image")
    yield from preview_files(im, quality)
    yield from tile_files(pack_pixels(im), im.width, im.height, tile_size=tile_size, quality=quality, progress=progress)


def multires_config(base_path: str, layout: MultiresLayout) -> dict[str, object]:
    """The ``multiRes`` block of a Pannellum scene for these tiles."""
    return {
        "basePath": base_path,
        "path": "/%l/%s%y_%x",
        "fallbackPath": "/fallback/%s",
        "extension": "jpg",
        "tileResolution": layout.tile_size,
        "maxLevel": layout.levels,
        "cubeResolution": layout.cube_size,
    }
