"""The background plate as an image file for a web page: PNG as the scene stores it, or WEBP or JPEG, under a
byte budget when one is set.

WEBP keeps the plate's transparency; JPEG has none, so a transparent plate is
laid on white first. Under ``max_bytes`` the plate is encoded at ``quality``;
when that is too long, at the highest lower quality that fits (found by
bisection, about seven encodings); when even quality 1 does not fit, the
smallest file tried is kept, with a warning. Encoding is deterministic: the same pixels and options
give the same bytes.
"""

from __future__ import annotations

import base64
import io
import logging

from PIL import Image

from layerize.primitives.compose import on_white
from layerize.scene import png_bytes

log = logging.getLogger("layerize")

MIME_TYPES = {"png": "image/png", "webp": "image/webp", "jpeg": "image/jpeg"}


def encode(image: Image.Image, format: str, quality: int) -> bytes:
    """``image`` as a WEBP or JPEG file at ``quality`` (1..100)."""
    out = io.BytesIO()
    if format == "jpeg":
        on_white(image).save(out, format="JPEG", quality=quality, optimize=True)
    else:
        image.save(out, format="WEBP", quality=quality, method=4)
    return out.getvalue()


def plate_file(image: Image.Image, format: str, quality: int = 85, max_bytes: int | None = None) -> bytes:
    """The plate as a ``format`` file (png, webp, jpeg), at most ``max_bytes`` long if it can be (see above)."""
    if format == "png":
        return png_bytes(image)
    first = encode(image, format, quality)
    if max_bytes is None or len(first) <= max_bytes:
        return first
    smallest, fits = first, None
    low, high = 1, quality - 1
    while low <= high:  # the highest quality that fits, by bisection
        q = (low + high) // 2
        data = encode(image, format, q)
        smallest = min(smallest, data, key=len)
        if len(data) <= max_bytes:
            fits, low = data, q + 1
        else:
            high = q - 1
    if fits is not None:
        return fits
    log.warning("svg: the plate does not fit in plate_max_bytes = %d as %s, even at quality 1; kept the smallest, "
                "%d bytes", max_bytes, format, len(smallest))
    return smallest


def data_uri(data: bytes, format: str) -> str:
    """A base64 ``data:`` URI of an image file in ``format``."""
    return f"data:{MIME_TYPES[format]};base64," + base64.b64encode(data).decode("ascii")
