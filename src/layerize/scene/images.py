"""Images inside the scene graph: PNG data URIs in JSON, or paths relative to the scene file."""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import re
import warnings
from collections import OrderedDict
from pathlib import Path
from typing import Annotated, Any

from PIL import Image
from pydantic import BeforeValidator, PlainSerializer, ValidationInfo, WithJsonSchema

PNG_CACHE_SIZE = 16
"""PNG files kept by content: one scene exported to many files (or in many languages) encodes each
picture once."""
_PNG_CACHE: OrderedDict[tuple[str, tuple[int, int], bytes], bytes] = OrderedDict()


def png_bytes(image: Image.Image) -> bytes:
    """The PNG file of an image (deterministic for identical pixels; recent ones are reused by content)."""
    key = (image.mode, image.size, hashlib.blake2b(image.tobytes(), digest_size=20).digest())
    found = _PNG_CACHE.get(key)
    if found is None:
        buf = io.BytesIO()
        image.save(buf, format="PNG", optimize=False, compress_level=6)
        found = _PNG_CACHE[key] = buf.getvalue()
        while len(_PNG_CACHE) > PNG_CACHE_SIZE:
            _PNG_CACHE.popitem(last=False)
    return found


def encode_png(image: Image.Image) -> str:
    """PNG data URI of an image (deterministic for identical pixels)."""
    return "data:image/png;base64," + base64.b64encode(png_bytes(image)).decode("ascii")


IMAGE_FORMATS = ("PNG", "JPEG", "WEBP")
"""The only formats an image field may hold: nothing else is decoded (no EPS, no Ghostscript)."""
DATA_URI = re.compile(r"^data:image/(png|jpeg|webp);base64$")
MAX_IMAGE_PIXELS = 80_000_000
"""Pixels one image field may hold (the config's default input limit, ``[limits] max_pixels``);
``Scene.from_json`` takes the config's own value through its context."""


def _source(value: str, context: dict[str, Any]) -> io.BytesIO | Path:
    """The bytes of a data URI, or the file a relative path names inside the scene's folder.

    A path that is absolute or leads out of the folder (through ``..`` or a
    symlink) is refused before anything is looked up, so the error says
    nothing about what exists outside.
    """
    if value.startswith("data:"):
        header, _, payload = value.partition(",")
        if not DATA_URI.match(header):
            raise ValueError("an image data URI must be data:image/png, image/jpeg or image/webp with ;base64")
        try:
            return io.BytesIO(base64.b64decode(payload, validate=True))
        except binascii.Error as exc:
            raise ValueError(f"bad base64 in image data URI: {exc}") from None
    folder = Path(context.get("base_dir", ".")).resolve()
    relative = Path(value)
    if relative.is_absolute() or not value.strip():
        raise ValueError("an image path must be relative to the scene file's folder")
    path = (folder / relative).resolve()
    if not path.is_relative_to(folder):
        raise ValueError("an image path must stay inside the scene file's folder")
    if not path.is_file():
        raise ValueError(f"image file not found in the scene's folder: {value}")
    return path


def _decode_image(value: Any, info: ValidationInfo) -> Image.Image:
    """Accept a PIL image, a PNG/JPEG/WEBP ``data:`` URI or a path inside the scene file's folder."""
    if isinstance(value, Image.Image):
        return value
    if not isinstance(value, str):
        raise ValueError("an image must be a data URI or a file path")
    context = info.context or {}
    limit = int(context.get("max_pixels", MAX_IMAGE_PIXELS))
    source = _source(value, context)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(source, formats=IMAGE_FORMATS) as img:
                width, height = img.size
                if width * height > limit:
                    raise ValueError(f"image is {width}x{height} pixels, above the limit of {limit}")
                img.load()
                return img.convert("RGBA") if img.mode not in ("RGB", "RGBA") else img.copy()
    except Image.UnidentifiedImageError:
        raise ValueError("not a PNG, JPEG or WEBP image") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValueError("image too large (a decompression bomb?)") from None
    except (OSError, SyntaxError) as exc:
        raise ValueError(f"unreadable image: {exc}") from None


ImageData = Annotated[
    Image.Image,
    BeforeValidator(_decode_image),
    PlainSerializer(encode_png, return_type=str),
    WithJsonSchema(
        {"type": "string", "description": "PNG, JPEG or WEBP data URI, or a path inside the scene file's folder"}
    ),
]

