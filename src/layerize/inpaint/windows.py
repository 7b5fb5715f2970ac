"""Crop windows around groups of holes, filled in parallel: what every inpainter is built on.

Every engine works on windows around groups of holes (see :func:`windows`), so
its cost scales with the holes rather than with the image, and pastes back only
the hole pixels: everything outside the mask stays bit-exact.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np

from ..primitives.masks import Window, dilate

CropFill = Callable[[np.ndarray, np.ndarray], np.ndarray]

THREADS = os.cpu_count() or 1
"""Windows filled at once. The engines' native code (PatchMatch, OpenCV, onnxruntime) runs without the GIL."""


def check(image: np.ndarray, mask: np.ndarray) -> None:
    """Raise ValueError unless ``image`` is HxWx3 uint8 and ``mask`` HxW."""
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"image must be HxWx3 uint8, got shape {image.shape} and dtype {image.dtype}")
    if mask.shape != image.shape[:2]:
        raise ValueError(f"mask must be HxW {image.shape[:2]}, got shape {mask.shape}")


def windows(mask: np.ndarray, margin: int, min_size: tuple[int, int] = (0, 0),
            gap: int | None = None) -> list[tuple[Window, np.ndarray]]:
    """Crop windows around the holes, each with the boolean mask of the holes it owns.

    Holes closer than ``gap`` (default ``2 * margin``) share a window; a window is
    the bounding box of its holes grown by ``margin`` and, where the image allows,
    to at least ``min_size`` (height, width). Windows may overlap, but each hole
    pixel is owned by exactly one.
    """
    gap = 2 * margin if gap is None else gap
    count, labels, stats, _ = cv2.connectedComponentsWithStats(dilate(mask, gap // 2).astype(np.uint8), connectivity=8)
    height, width = mask.shape
    result = []
    for label in range(1, count):
        x, y, w, h = (int(v) for v in stats[label, :4])
        near = (slice(y, y + h), slice(x, x + w))
        # the holes' own bounding box: the component's is grown by gap // 2 (less at the image's edges)
        hx, hy, hw, hh = cv2.boundingRect(((labels[near] == label) & mask[near]).astype(np.uint8))
        y0, y1 = grow_span(max(0, y + hy - margin), min(height, y + hy + hh + margin), min_size[0], height)
        x0, x1 = grow_span(max(0, x + hx - margin), min(width, x + hx + hw + margin), min_size[1], width)
        window = (slice(y0, y1), slice(x0, x1))
        result.append((window, (labels[window] == label) & mask[window]))
    return result


def grow_span(start: int, stop: int, size: int, limit: int) -> tuple[int, int]:
    """The span ``start:stop`` widened around its centre to ``size``, kept within ``0:limit``."""
    size = min(size, limit)
    extra = size - (stop - start)
    if extra <= 0:
        return start, stop
    start = min(max(0, start - extra // 2), limit - size)
    return start, start + size


def fill_windows(image: np.ndarray, mask: np.ndarray, margin: int, fill_crop: CropFill,
                 min_size: tuple[int, int] = (0, 0), target: np.ndarray | None = None,
                 gap: int | None = None) -> np.ndarray:
    """Fill windows around the ``target`` holes (default: all) with ``fill_crop(crop, crop_mask)``.

    Each crop's mask holds every hole in the window, so no hole serves as context,
    but only the ``target`` holes the window owns are pasted back. Windows are
    filled on :data:`THREADS` threads, largest first; each fill reads only the
    input image and the windows own disjoint holes, so the result does not depend
    on the order in which they finish.
    """
    check(image, mask)
    mask = mask.astype(bool)
    found = windows(mask if target is None else target, margin, min_size, gap)
    found.sort(key=lambda item: (item[0][0].stop - item[0][0].start) * (item[0][1].stop - item[0][1].start),
               reverse=True)
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        filled = list(pool.map(lambda item: fill_crop(image[item[0]], mask[item[0]]), found))
    out = image.copy()
    for (window, owned), crop in zip(found, filled, strict=True):
        out[window][owned] = crop[owned]
    return out


def resize(array: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``array`` resized to ``size`` (height, width): area averaging to shrink, linear to enlarge."""
    h, w = size
    shrink = h * w < array.shape[0] * array.shape[1]
    return cv2.resize(array, (w, h), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)

