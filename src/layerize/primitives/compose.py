"""Compositing: images laid on white, and a render's alpha placed into a canvas window."""

from __future__ import annotations

import numpy as np
from PIL import Image

WHITE = (255, 255, 255, 255)


def on_white(image: Image.Image) -> Image.Image:
    """``image`` as RGB, any transparency composited over white."""
    if "A" not in image.getbands() and image.mode not in ("P", "PA"):
        return image.convert("RGB")
    rgba = image.convert("RGBA")
    return Image.alpha_composite(Image.new("RGBA", rgba.size, WHITE), rgba).convert("RGB")


def alpha_over(rendered: tuple[Image.Image, tuple[int, int]] | None, origin: tuple[int, int],
               shape: tuple[int, int]) -> np.ndarray:
    """A render's alpha (0..1) over the canvas window at ``origin`` of ``shape``; zero where it draws nothing."""
    alpha = np.zeros(shape, np.float32)
    if rendered is None:
        return alpha
    layer, (left, top) = rendered
    x0, y0 = origin
    x1, y1 = x0 + shape[1], y0 + shape[0]
    gx0, gy0 = max(x0, left), max(y0, top)
    gx1, gy1 = min(x1, left + layer.width), min(y1, top + layer.height)
    if gx1 > gx0 and gy1 > gy0:
        glyphs = np.asarray(layer.getchannel("A"), np.float32) / 255.0
        alpha[gy0 - y0:gy1 - y0, gx0 - x0:gx1 - x0] = glyphs[gy0 - top:gy1 - top, gx0 - left:gx1 - left]
    return alpha
