"""Reading the image, the first stage: any supported file as 8-bit sRGB pixels, or one clear error."""

from __future__ import annotations

import hashlib
import logging
import struct
import warnings
import zlib
from io import BytesIO
from pathlib import Path

import numpy as np
from PIL import Image, ImageCms, ImageOps

from .config import LimitsConfig
from .errors import InputError
from .primitives.compose import on_white

SUPPORTED_FORMATS = {"PNG", "JPEG", "WEBP", "BMP", "TIFF", "GIF"}
BYTES_PER_PIXEL = 8
"""A file larger than this many bytes per allowed pixel (16-bit RGBA, uncompressed) is no image within the limit."""
MIN_SIDE = 8
"""Smallest image side that can hold a design (and that the OCR detector takes)."""
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
"""Samples per pixel of each PNG colour type."""
ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))
"""The interlaced passes: first column, first row, column step, row step."""

log = logging.getLogger("layerize")


def _inflated_length(parts: list[bytes], enough: int) -> int:
    """How many bytes the zlib stream split over ``parts`` inflates to (counting stops at ``enough``)."""
    stream, total = zlib.decompressobj(), 0
    for part in parts:
        while part and total < enough:
            total += len(stream.decompress(part, 1 << 20))
            part = stream.unconsumed_tail
    return total


def png_damage(data: bytes) -> tuple[str | None, bool]:
    """What is wrong with a PNG's structure (None: nothing), and whether that is only bad checksums.

    Pillow decodes a PNG with a wrong chunk checksum, a missing IEND, a
    palette image without PLTE or an IDAT stream that holds only some of the
    rows (the rest come out black) without a word: this reads the chunks
    itself and measures the decompressed image data against what the header
    promises.
    """
    pos, header, palette, idat, bad_crc = len(PNG_SIGNATURE), None, False, [], []
    while True:
        if pos + 8 > len(data):
            return "truncated PNG: no IEND chunk", False
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body, crc = data[pos + 8:pos + 8 + length], data[pos + 8 + length:pos + 12 + length]
        if len(crc) < 4:
            return f"truncated PNG: the {kind.decode('latin-1')} chunk is cut off", False
        if zlib.crc32(kind + body) & 0xFFFFFFFF != struct.unpack(">I", crc)[0]:
            bad_crc.append(kind.decode("latin-1"))
        if kind == b"IHDR" and len(body) == 13:
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"PLTE":
            palette = True
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        pos += 12 + length
    if header is None:
        return "damaged PNG: no image header", False
    width, height, depth, color, _, _, interlace = header
    if color == 3 and not palette:
        return "damaged PNG: a palette image without its palette (PLTE)", False
    bits = depth * PNG_CHANNELS.get(color, 1)
    passes = ADAM7 if interlace else ((0, 0, 1, 1),)
    expected = 0
    for x0, y0, dx, dy in passes:
        columns, rows = -(-(width - x0) // dx), -(-(height - y0) // dy)
        if columns > 0 and rows > 0:
            expected += rows * (1 + -(-columns * bits // 8))
    try:
        found = _inflated_length(idat, expected)
    except zlib.error as exc:
        return f"damaged PNG: the image data does not decompress ({exc})", False
    if found < expected:
        return f"damaged PNG: the image data holds {found} of {expected} bytes (rows are missing)", False
    if bad_crc:
        return f"damaged PNG: bad checksum in {', '.join(dict.fromkeys(bad_crc))}", True
    return None, False


def read_image(path: Path | str, limits: LimitsConfig | None = None) -> tuple[np.ndarray, str]:
    """Load an image as 8-bit sRGB ``HxWx3`` and return it with its SHA-256.

    The format is taken from the content, not the extension. Palette, 16-bit,
    greyscale and CMYK inputs are converted; transparent pixels are composited
    on white. Anything unusable raises :class:`InputError` naming the file.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(path, "file not found")
    if not path.is_file():
        raise InputError(path, "not a file")
    limits = limits or LimitsConfig()
    if path.stat().st_size > BYTES_PER_PIXEL * limits.max_pixels:
        raise InputError(path, f"file is {path.stat().st_size} bytes, more than any image within the limit of "
                         f"{limits.max_pixels} pixels holds")
    data = path.read_bytes()
    if not data:
        raise InputError(path, "file is empty")
    sha = hashlib.sha256(data).hexdigest()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(BytesIO(data))
            fmt = img.format
            if fmt not in SUPPORTED_FORMATS:
                raise InputError(path, f"unsupported image format {fmt}; use PNG, JPEG or WEBP")
            if getattr(img, "n_frames", 1) > 1:
                raise InputError(path, f"animated image with {img.n_frames} frames; save one frame as PNG")
            w, h = img.size
            if w * h > limits.max_pixels:
                raise InputError(path, f"image is {w}x{h} = {w * h} pixels, above the limit of {limits.max_pixels}")
            if w < MIN_SIDE or h < MIN_SIDE:
                raise InputError(path, f"image is only {w}x{h} pixels")
            if max(w, h) > limits.max_aspect * min(w, h):
                raise InputError(path, f"image is {w}x{h}, more than {limits.max_aspect:g} times as long as it is "
                                 "wide ([limits] max_aspect)")
            if fmt == "PNG":
                _check_png(path, data, limits)
            img.load()
            img = ImageOps.exif_transpose(img)  # a photo taken upright comes out upright
    except InputError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InputError(path, f"image too large: {exc}") from None
    except Image.UnidentifiedImageError:
        raise InputError(path, "not a recognised image (corrupt, or not an image at all)") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise InputError(path, f"corrupt or truncated image ({exc})") from None
    return to_rgb(img), sha


def _check_png(path: Path, data: bytes, limits: LimitsConfig) -> None:
    """Refuse a damaged PNG (see :func:`png_damage`); one whose only fault is its checksums, by option, not."""
    problem, checksums_only = png_damage(data)
    if problem and not (checksums_only and limits.accept_bad_checksums):
        raise InputError(path, problem + ("; [limits] accept_bad_checksums takes it" if checksums_only else ""))
    if problem:
        log.warning("%s: %s (accepted: it decodes whole)", path, problem)


def to_rgb(img: Image.Image) -> np.ndarray:
    """Convert any PIL mode to 8-bit RGB, compositing transparency on white."""
    icc = img.info.get("icc_profile")
    if img.mode == "CMYK" and icc:
        try:
            src = ImageCms.ImageCmsProfile(BytesIO(icc))
            img = ImageCms.profileToProfile(img, src, ImageCms.createProfile("sRGB"), outputMode="RGB")
        except (ImageCms.PyCMSError, OSError):
            img = img.convert("RGB")
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(img, dtype=np.float64)
        peak = 65535.0 if arr.max() > 255 else 255.0
        img = Image.fromarray(np.clip(arr / peak * 255.0 + 0.5, 0, 255).astype(np.uint8), "L")
    return np.asarray(on_white(img), dtype=np.uint8).copy()
