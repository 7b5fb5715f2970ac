"""Images inside the scene graph: PNG data URIs in JSON, or paths relative to the scene file."""

from __future__ import annotations

import base64
import binascii
import io
from pathlib import Path
from typing import Annotated, Any

from PIL import Image
from pydantic import BeforeValidator, PlainSerializer, ValidationInfo, WithJsonSchema


def png_bytes(image: Image.Image) -> bytes:
    """The PNG file of an image (deterministic for identical pixels)."""
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=False, compress_level=6)
    return buf.getvalue()


def encode_png(image: Image.Image) -> str:
    """PNG data URI of an image (deterministic for identical pixels)."""
    return "data:image/png;base64," + base64.b64encode(png_bytes(image)).decode("ascii")


def _decode_image(value: Any, info: ValidationInfo) -> Image.Image:
    """Accept a PIL image, a ``data:image/...;base64,`` URI or a path relative to the scene file."""
    if isinstance(value, Image.Image):
        return value
    if not isinstance(value, str):
        raise ValueError("an image must be a data URI or a file path")
    if value.startswith("data:"):
        header, _, payload = value.partition(",")
        if not header.endswith(";base64"):
            raise ValueError("image data URI must be base64 encoded")
        try:
            raw = base64.b64decode(payload, validate=True)
        except binascii.Error as exc:
            raise ValueError(f"bad base64 in image data URI: {exc}") from exc
        source: Any = io.BytesIO(raw)
    else:
        base = Path((info.context or {}).get("base_dir", "."))
        source = base / value
        if not source.is_file():
            raise ValueError(f"image file not found: {source}")
    try:
        with Image.open(source) as img:
            img.load()
            return img.convert("RGBA") if img.mode not in ("RGB", "RGBA") else img.copy()
    except OSError as exc:
        raise ValueError(f"unreadable image: {exc}") from exc


ImageData = Annotated[
    Image.Image,
    BeforeValidator(_decode_image),
    PlainSerializer(encode_png, return_type=str),
    WithJsonSchema(
        {"type": "string", "description": "PNG data URI, or a path relative to the scene file"}
    ),
]

