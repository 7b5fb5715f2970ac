"""Colours: ``#rrggbb`` strings to RGB triples and back, the distance between two colours, and the largest
channel of each pixel."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def hex_to_rgb(color: str) -> tuple[int, int, int]:
    """The RGB triple of ``#rrggbb``."""
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def rgb_to_hex(color: object) -> str:
    """``#rrggbb`` of an RGB triple (any numbers; rounded and clipped to 0..255)."""
    r, g, b = (int(v) for v in np.clip(np.rint(np.asarray(color, np.float64)), 0, 255))
    return f"#{r:02x}{g:02x}{b:02x}"


def color_distance(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray) -> float:
    """Euclidean distance of two RGB colours."""
    return float(np.linalg.norm(np.subtract(a, b, dtype=np.float64)))


def channel_max(pixels: np.ndarray) -> np.ndarray:
    """The largest of the last axis' values per pixel: ``pixels.max(axis=-1)``, element-wise over the
    channels (numpy reduces a short last axis some 20 times slower)."""
    return np.maximum.reduce([pixels[..., i] for i in range(pixels.shape[-1])])
