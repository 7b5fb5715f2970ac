"""Shapes partly hidden: an ellipse whose outline shows against the page on part of its way round and
that something unflat (a soft blob, a hatched or textured object) hides on the rest.

Its visible region fits no primitive (it is an ellipse with a bite out of it),
so on its own it would be left in a picture. The outline where the page bounds
the region is the ellipse's own edge: an ellipse fitted to those points alone
is the shape, when the region lies inside it and no page shows inside it.
"""

from __future__ import annotations

import cv2
import numpy as np

from ..primitives.color import channel_max
from ..primitives.masks import dilate
from .base import fill_holes
from .outlines import Outline

PAGE_DISTANCE = 12.0
"""Largest distance (0-255, largest channel) of a pixel from the page colour for it to be page."""
PAGE_REACH = 4.0
"""A point of a region's outline is bounded by the page when page lies this close (px) outside it."""
MIN_SEEN, MAX_SEEN = 0.4, 0.9
"""Share of the outline the page must bound: less says too little of the ellipse, more is no hiding."""
MAX_HIDDEN = 0.5
"""Largest share of the ellipse that may lie hidden."""
MAX_SPILL = 0.03
"""Largest share of the region outside the ellipse, and of the ellipse that is page."""
CLEAR = 8
"""Pixels of a region this close to what hides it may fade into it: its paint is read beyond them."""
ROUND = 3.0
"""Degrees an ellipse may turn off the axes (shapes' ellipses are upright)."""


def hidden_ellipse(crop: np.ndarray, region: np.ndarray, paper: np.ndarray) -> tuple[Outline, np.ndarray] | None:
    """The upright ellipse (in crop pixels) that ``region`` shows part of, the page (colour ``paper``)
    bounding the rest of its outline, and the region's pixels clear of what hides it (:data:`CLEAR`: a soft
    edge fades into it); None when the region is no such ellipse or the crop cannot hold it."""
    filled, contour = fill_holes(region)
    points = contour[:, 0]
    page = channel_max(np.abs(crop.astype(np.float32) - paper)) <= PAGE_DISTANCE
    outside = page & dilate(filled, int(PAGE_REACH) + 1, disc=True) & ~filled
    reach = cv2.distanceTransform((~outside).astype(np.uint8), cv2.DIST_L2, 3)
    seen = reach[points[:, 1], points[:, 0]] <= PAGE_REACH
    if not MIN_SEEN <= seen.mean() <= MAX_SEEN or seen.sum() < 5:
        return None
    (cx, cy), (a, b), angle = cv2.fitEllipse(points[seen].astype(np.float32))
    turn = angle % 90
    if min(turn, 90 - turn) > ROUND:
        return None
    w, h = (a, b) if min(angle % 180, 180 - angle % 180) < 45 else (b, a)
    cx, cy, w, h = cx + 0.5, cy + 0.5, w + 1, h + 1  # boundary pixel centres to pixel edges
    box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
    if box[0] < 0 or box[1] < 0 or box[2] > crop.shape[1] or box[3] > crop.shape[0]:
        return None
    ellipse = Outline("ellipse", box).coverage(crop.shape[:2]) > 0.5
    area = max(int(ellipse.sum()), 1)
    spill = (filled & ~ellipse).sum() / max(int(filled.sum()), 1)
    on_page = (ellipse & page & ~dilate(filled, 1)).sum() / area
    hidden = (ellipse & ~filled).sum() / area
    if spill > MAX_SPILL or on_page > MAX_SPILL or hidden > MAX_HIDDEN:
        return None
    clear = filled & ~dilate(~filled & ~page, CLEAR, disc=True)
    return Outline("ellipse", box, fit=round(1 - spill - on_page, 3)), clear
