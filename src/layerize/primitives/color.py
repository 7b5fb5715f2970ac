"""Colours: ``#rrggbb`` strings to RGB triples and back, the distance between two colours, the largest
channel of each pixel, and the few flat colours that explain a set of pixels."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
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


def colour_distances(pixels: np.ndarray, colours: np.ndarray) -> np.ndarray:
    """Each pixel's distance (largest channel) from each of ``colours`` (k x 3): ``pixels.shape[:-1] + (k,)``."""
    return np.abs(pixels[..., None, :].astype(np.float32) - colours).max(axis=-1)


def blend_distances(pixels: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Each pixel's distance (largest channel) from the nearest blend of colours ``a`` and ``b`` (the
    segment a-b; one colour each, or one per pixel): ``pixels.shape[:-1]``."""
    pixels = np.asarray(pixels, np.float32)
    a, span = np.asarray(a, np.float32), np.asarray(b, np.float32) - np.asarray(a, np.float32)
    along = np.einsum("...c,...c->...", pixels - a, span)
    t = np.clip(along / np.maximum(np.einsum("...c,...c->...", span, span), 1e-9), 0, 1)
    return channel_max(np.abs(pixels - (a + t[..., None] * span)))


def flat_colours(pixels: np.ndarray, max_colors: int, spread: float, share: float) -> np.ndarray | None:
    """The fewest colours (k x 3, k <= ``max_colors``) such that ``share`` of ``pixels`` (N x 3) lie within
    ``spread`` (per channel) of one of them, or None when no ``max_colors`` do. Seeded: the same pixels
    give the same colours."""
    pixels = pixels.astype(np.float32)
    sample = pixels[:: max(1, len(pixels) // 5000)]
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 20, 0.5)
    for k in range(1, max_colors + 1):
        if len(sample) < k:
            return None
        cv2.setRNGSeed(k)
        _, _, centres = cv2.kmeans(sample, k, None, criteria, 3, cv2.KMEANS_PP_CENTERS)
        distance = colour_distances(pixels, centres).min(axis=1)
        if (distance <= spread).mean() >= share:
            return centres
    return None
