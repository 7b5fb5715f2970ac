"""Plane fits: a linear colour ramp ``value = a*x + b*y + c`` (per channel) fitted by least squares.

The analyser models the background around a line with one, the inpainter fills
flat and gradient holes with one, the segmenter reads a shape's gradient fill
from one and the effects stage a text's gradient fill.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Plane:
    """A linear ramp; ``coef`` is 3xC: the change per pixel along x, along y, and the value at (0, 0)."""

    coef: np.ndarray

    @property
    def slope(self) -> np.ndarray:
        """2xC: the change per pixel along x and along y."""
        return self.coef[:2]

    def at(self, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        """The ramp's values (NxC) at the points ``(xs, ys)``."""
        return design(xs, ys) @ self.coef

    def grid(self, height: int, width: int) -> np.ndarray:
        """The ramp over a ``height`` x ``width`` grid of pixel coordinates (HxWxC)."""
        ys, xs = np.mgrid[0:height, 0:width]
        return self.at(xs.ravel(), ys.ravel()).reshape(height, width, -1)


def design(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """The least-squares design matrix ``[x, y, 1]`` of the points."""
    return np.column_stack([xs, ys, np.ones(len(xs))]).astype(np.float64)


def fit_plane(xs: np.ndarray, ys: np.ndarray, values: np.ndarray) -> Plane:
    """The least-squares plane through ``values`` (NxC) at the points ``(xs, ys)``."""
    coef, *_ = np.linalg.lstsq(design(xs, ys), np.asarray(values, np.float64), rcond=None)
    return Plane(coef)
