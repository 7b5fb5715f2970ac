"""Flat regions with the page showing through them (a mug's handle, a star cut out of a badge): one path
whose holes stay holes, not a filled outline with a page-coloured patch of its own on top.

A hole counts when it is mostly page-coloured and no rectangle, ellipse or
rounded rectangle (such a one is a shape a designer placed, a white label on a
card, and stays one). The region is traced (:func:`~layerize.objects.trace.trace_mask`)
and the trace kept where it covers the region faithfully; the page-coloured
regions inside such holes are then no shapes of their own.
"""

from __future__ import annotations

import cv2
import numpy as np

from ..primitives.color import channel_max, hex_to_rgb
from ..primitives.masks import dilate
from ..primitives.paths import bounds, coverage
from ..scene import Provenance, Shape
from .base import Found, fill_holes, to_box
from .outlines import PRIMITIVE_FIT, fit_outline
from .trace import trace_mask

PAGE_DISTANCE = 12.0
"""Largest distance (0-255, per channel) of a pixel from the page colour to be the page showing through."""
PAGE_SHARE = 0.8
"""Share of a hole's pixels that must be page-coloured (the rest: something lying in it, a dot in a star)."""
MIN_HOLE_AREA = 16
"""Fewest pixels of a hole worth leaving open (smaller ones are specks)."""
MIN_TRACE_IOU = 0.95
"""Smallest IoU of the traced path with the region for the path to replace the filled outline."""


def page_holes(crop: np.ndarray, region: np.ndarray, care: np.ndarray, page: np.ndarray) -> np.ndarray:
    """The holes of ``region`` (a crop's mask) through which the ``page`` colour shows and that are no
    primitive shape (HxW bool, maybe empty)."""
    grown = dilate(region, 1, disc=True)
    filled, _ = fill_holes(grown)
    inside = filled & ~grown & care
    count, labels, stats, _ = cv2.connectedComponentsWithStats(inside.astype(np.uint8), connectivity=8)
    paper = channel_max(np.abs(crop.astype(np.float32) - page)) <= PAGE_DISTANCE
    holes = np.zeros(region.shape, bool)
    for label in range(1, count):
        if stats[label, cv2.CC_STAT_AREA] < MIN_HOLE_AREA:
            continue
        hole = labels == label
        if paper[hole].mean() < PAGE_SHARE:
            continue
        hole_filled, contour = fill_holes(hole)
        outline = fit_outline(hole_filled, contour, np.ones(hole.shape, bool))
        if outline.kind != "polygon" and outline.fit >= PRIMITIVE_FIT:
            continue  # a rectangle, ellipse or rounded rectangle of the page's colour: a shape of its own
        holes |= hole_filled
    return holes


def holed_shape(region: np.ndarray, holes: np.ndarray, fill: str, offset: tuple[int, int],
                engine: str) -> Shape | None:
    """A path shape of ``region`` (a crop's mask at ``offset``) with its page ``holes`` left open, or None
    where the trace does not cover the region faithfully."""
    solid = fill_holes(dilate(region, 1, disc=True))[0] & ~holes
    subpaths = trace_mask(np.pad(solid, 1), (offset[0] - 1, offset[1] - 1))
    if not subpaths:
        return None
    drawn = coverage(subpaths, solid.shape, (float(offset[0]), float(offset[1]))) > 0.5
    iou = float((drawn & solid).sum()) / max(int((drawn | solid).sum()), 1)
    if iou < MIN_TRACE_IOU:
        return None
    return Shape(id="", name="Path", shape="path", box=to_box(*bounds(subpaths)), fill=fill, subpaths=subpaths,
                 provenance=Provenance(engine=engine, confidence=round(iou, 3)))


def without_page_patches(found: list[Found], holes: np.ndarray, page: np.ndarray) -> list[Found]:
    """``found`` without the page-coloured shapes that lie (90 %) in the page ``holes`` (canvas mask) of
    holed paths: the page shows through there."""
    if not holes.any():
        return found
    kept = []
    for f in found:
        node = f.node
        if isinstance(node, Shape) and node.fill and node.shape != "path":
            if (float(np.abs(np.subtract(hex_to_rgb(node.fill), page)).max()) <= PAGE_DISTANCE
                    and (f.mask & holes).sum() >= 0.9 * f.mask.sum()):
                continue
        kept.append(f)
    return kept
