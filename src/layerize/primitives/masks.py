"""Boolean masks and the windows they are cut by."""

from __future__ import annotations

import cv2
import numpy as np

Window = tuple[slice, slice]
"""Rows and columns of a crop of the canvas."""


def dilate(mask: np.ndarray, radius: int, disc: bool = False) -> np.ndarray:
    """``mask`` grown by ``radius`` pixels: over a square neighbourhood, or a disc when ``disc``."""
    if radius <= 0:
        return mask.astype(bool, copy=True)
    size = (2 * radius + 1, 2 * radius + 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, size) if disc else np.ones(size, np.uint8)
    return cv2.dilate(mask.astype(np.uint8), kernel) > 0


def erode(mask: np.ndarray, radius: int, disc: bool = False) -> np.ndarray:
    """``mask`` shrunk by ``radius`` pixels: what :func:`dilate` of its complement leaves."""
    return ~dilate(~mask.astype(bool), radius, disc)


def crop_window(box: tuple[int, int, int, int], margin: int, shape: tuple[int, int]) -> Window:
    """The slices of ``box`` (x0, y0, x1, y1) grown by ``margin``, clipped to ``shape`` (height, width)."""
    x0, y0, x1, y1 = box
    rows = slice(max(0, y0 - margin), min(shape[0], y1 + margin))
    return rows, slice(max(0, x0 - margin), min(shape[1], x1 + margin))


def place(shape: tuple[int, int], where: Window, values: np.ndarray) -> np.ndarray:
    """An array of ``shape`` holding zeros, and ``values`` at ``where``."""
    full = np.zeros(shape, values.dtype)
    full[where] = values
    return full
