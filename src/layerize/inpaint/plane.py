"""The ``plane`` inpainter: holes filled with the linear colour gradient fitted around them,
exact on flat colour and linear gradients. Its ring fit also measures how textured a hole's
surroundings are (what ``auto`` chooses an engine by)."""

from __future__ import annotations

import numpy as np

from ..config import InpaintConfig
from ..primitives.masks import dilate
from ..primitives.planes import Plane, fit_plane
from .windows import fill_windows

RING_GAP = 2
"""Pixels skipped around a hole before the ring measured by :func:`ring_texture` (anti-aliased ink)."""
RING_WIDTH = 8
"""Width in pixels of the ring measured by :func:`ring_texture`."""



def _ring_plane(image: np.ndarray, mask: np.ndarray) -> tuple[Plane, float] | None:
    """A linear colour gradient fitted to the ring around the holes.

    Returns the plane and the largest per-channel residual std-dev; None when
    the ring is too small to fit.
    The ring starts :data:`RING_GAP` pixels off the holes and is
    :data:`RING_WIDTH` wide.
    """
    ring = dilate(mask, RING_GAP + RING_WIDTH) & ~dilate(mask, RING_GAP)
    ys, xs = np.nonzero(ring)
    if len(ys) < 3:
        return None
    values = image[ys, xs].astype(np.float64)
    plane = fit_plane(xs, ys, values)
    return plane, float((values - plane.at(xs, ys)).std(axis=0).max())


def ring_texture(image: np.ndarray, mask: np.ndarray) -> float:
    """Texture of the ring around the holes: std-dev of its pixels after removing a linear gradient."""
    fit = _ring_plane(image, mask)
    return 0.0 if fit is None else fit[1]


class PlaneInpainter:
    """Fills holes with the linear colour gradient fitted around them: exact on flat colour and linear gradients."""

    name = "plane"
    margin = RING_GAP + RING_WIDTH + 1
    gap = 2 * margin

    def __init__(self, cfg: InpaintConfig | None = None) -> None:
        """No options: the fit is exact or it is not."""

    def fill(self, image: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return fill_windows(image, mask, self.margin, self.fill_crop, gap=self.gap)

    def fill_crop(self, crop: np.ndarray, crop_mask: np.ndarray) -> np.ndarray:
        """``crop`` with its holes set to the gradient fitted on the ring around them."""
        fit = _ring_plane(crop, crop_mask)
        if fit is None:
            return crop.copy()
        ys, xs = np.nonzero(crop_mask)
        out = crop.copy()
        out[ys, xs] = np.clip(np.rint(fit[0].at(xs, ys)), 0, 255).astype(np.uint8)
        return out

