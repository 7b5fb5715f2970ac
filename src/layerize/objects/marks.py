"""Marks on shapes: what lies on a native shape that no node explains (an icon's 2 px strokes, a 1 px rule,
a logo) would vanish under it; each cluster of such marks becomes a decoration object of its own."""

from __future__ import annotations

import math

import cv2
import numpy as np

from ..primitives.color import blend_distances, channel_max, hex_to_rgb
from ..primitives.masks import crop_window, dilate, erode, place
from ..primitives.paths import coverage
from ..scene import Shape
from .base import Found, cut_out
from .outlines import Outline

MARK_CONTRAST = 24.0
"""Colour difference (0-255, largest channel) from a shape's paint nearby that makes a pixel a mark on it."""
MIN_MARK = 16
"""Fewest pixels a mark on a shape (or a piece of one) holds: fewer are specks of the paint."""
MARK_GAP = 16
"""Marks on a shape this close (px) are pieces of one decoration (an icon's strokes, a rule's segments)."""
PAINT_REACH = 15
"""Width (px) of the neighbourhood a shape's own pixels give its paint from (a gradient's colour there)."""


def decorations(image: np.ndarray, text: np.ndarray, found: list[Found]) -> list[Found]:
    """Decorations: marks on a shape that no node explains (they would vanish under the native shape), once
    where they lie on two, one per cluster of marks (:func:`_marks`)."""
    explained = np.zeros(text.shape, bool)  # by the decorations made so far
    takers = np.zeros(text.shape, np.int32)  # how many nodes take each pixel
    for f in found:
        takers += f.mask
    result = []
    for f in found:
        if not isinstance(f.node, Shape) or f.node.dash:  # a dashed stroke's gaps hide nothing
            continue
        box = f.node.box
        window = crop_window((int(box.x0), int(box.y0), math.ceil(box.x1), math.ceil(box.y1)), 1, text.shape)
        taken_by_others = takers[window] > f.mask[window]
        others = dilate(text[window] | taken_by_others, 2, disc=True) | explained[window]
        distance = _off_paint(image[window], f, window)
        for mark in _marks(distance, f.area[window] | _drawn(f.node, window), others):
            solid = 0.9 * float(np.percentile(distance[mark], 90))  # the mark's own colour, unblended
            alpha = np.clip(distance / max(solid, MARK_CONTRAST), 0, 1) * dilate(mark, 1, disc=True)
            if (left := cut_out(image, place(text.shape, window, alpha), "decoration", "flat", 0.5)) is not None:
                result.append(left)
                explained[window] |= dilate(mark, 3, disc=True)  # a shape under this one finds it explained
    return result


def _off_paint(crop: np.ndarray, shape: Found, window: tuple[slice, slice]) -> np.ndarray:
    """How far (0-255, largest channel) each pixel of a crop lies from the paint of ``shape`` there: its
    solid fill, or (a gradient, no fill) the mean of its own pixels within :data:`PAINT_REACH`."""
    pixels = crop.astype(np.float32)
    node = shape.node
    if node.fill and node.gradient is None:  # a stroke and its blends with the fill are the shape's own
        fill = np.array(hex_to_rgb(node.fill), np.float32)
        stroke = np.array(hex_to_rgb(node.stroke), np.float32) if node.stroke else fill
        return blend_distances(pixels, fill, stroke)
    paint = erode(shape.mask[window], 1, disc=True)
    weight = cv2.blur(paint.astype(np.float32), (PAINT_REACH, PAINT_REACH))[..., None]
    local = cv2.blur(pixels * paint[..., None], (PAINT_REACH, PAINT_REACH)) / np.maximum(weight, 1e-6)
    if node.fill:
        local = np.where(weight > 0.05, local, np.array(hex_to_rgb(node.fill), np.float32))
    return channel_max(np.abs(pixels - local))


def _marks(distance: np.ndarray, area: np.ndarray, others: np.ndarray) -> list[np.ndarray]:
    """The clusters (within :data:`MARK_GAP` of each other) of pixels inside a shape's ``area``, off its
    anti-aliased rim, that lie off its paint (``distance``) and that no ``others`` explain. A 1-2 px rule or
    icon stroke counts: its pixels, not the shape's dilated mask, say what it is."""
    rest = erode(area, 2, disc=True) & ~others & (distance > MARK_CONTRAST)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(rest.astype(np.uint8), connectivity=8)
    rest = np.isin(labels, np.flatnonzero(stats[1:, cv2.CC_STAT_AREA] >= MIN_MARK) + 1)
    count, clusters = cv2.connectedComponents(dilate(rest, MARK_GAP // 2, disc=True).astype(np.uint8))
    marks = [rest & (clusters == c) for c in range(1, count)]
    return [m for m in marks if m.sum() >= MIN_MARK]


def _drawn(shape: Shape, window: tuple[slice, slice]) -> np.ndarray:
    """The pixels of ``window`` that a filled shape's outline covers (a rule that cuts its region to the
    edge leaves a slit in the region, none in the outline)."""
    size = (window[0].stop - window[0].start, window[1].stop - window[1].start)
    ox, oy = window[1].start, window[0].start
    if shape.shape == "path" and shape.subpaths:
        return coverage(shape.subpaths, size, (ox, oy)) > 0.5
    if shape.shape not in ("rect", "ellipse", "polygon") or not (shape.fill or shape.gradient):
        return np.zeros(size, bool)  # a line, or a frame that paints only its stroke (its area holds it)
    box = (shape.box.x0 - ox, shape.box.y0 - oy, shape.box.x1 - ox, shape.box.y1 - oy)
    points = tuple((x - ox, y - oy) for x, y in shape.points or ())
    return Outline(shape.shape, box, shape.corner_radius, points).coverage(size) > 0.5
