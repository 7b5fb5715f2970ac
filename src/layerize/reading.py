"""Reading the image, the first stage: any supported file as 8-bit sRGB pixels, or one clear error."""

from __future__ import annotations

import hashlib
import warnings
from io import BytesIO
from pathlib import Path

import numpy as np
from PIL import Image, ImageCms

from .config import LimitsConfig
from .errors import InputError
from .primitives.compose import on_white

SUPPORTED_FORMATS = {"PNG", "JPEG", "WEBP", "BMP", "TIFF", "GIF"}


def read_image(path: Path | str, limits: LimitsConfig | None = None) -> tuple[np.ndarray, str]:
    """Load an image as 8-bit sRGB ``HxWx3`` and return it with its SHA-256.

    The format is taken from the content, not the extension. Palette, 16-bit,
    greyscale and CMYK inputs are converted; transparent pixels are composited
    on white. Anything unusable raises :class:`InputError` naming the file.
    """
    path = Path(path)
    max_pixels = (limits or LimitsConfig()).max_pixels
    if not path.exists():
        raise InputError(path, "file not found")
    if not path.is_file():
        raise InputError(path, "not a file")
    data = path.read_bytes()
    if not data:
        raise InputError(path, "file is empty")
    sha = hashlib.sha256(data).hexdigest()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(path)
            fmt = img.format
            if fmt not in SUPPORTED_FORMATS:
                raise InputError(path, f"unsupported image format {fmt}; use PNG, JPEG or WEBP")
            if getattr(img, "n_frames", 1) > 1:
                raise InputError(path, f"animated image with {img.n_frames} frames; save one frame as PNG")
            w, h = img.size
            if w * h > max_pixels:
                raise InputError(path, f"image is {w}x{h} = {w * h} pixels, above the limit of {max_pixels}")
            if w < 8 or h < 8:
                raise InputError(path, f"image is only {w}x{h} pixels")
            img.load()
    except InputError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InputError(path, f"image too large: {exc}") from None
    except Image.UnidentifiedImageError:
        raise InputError(path, "not a recognised image (corrupt, or not an image at all)") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise InputError(path, f"corrupt or truncated image ({exc})") from None
    return to_rgb(img), sha


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
