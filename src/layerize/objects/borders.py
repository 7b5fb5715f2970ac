"""Shapes as designers draw them: a ring of another colour around a shape is its border (one stroked
shape, not a shape and a ring), and two near-identical shapes are one (a doubled shape)."""

from __future__ import annotations

import math

import cv2
import numpy as np

from ..primitives.color import blend_distances, channel_max, hex_to_rgb, rgb_to_hex
from ..primitives.masks import crop_window, dilate, place
from ..scene import Box, Shape
from .base import Found, fill_holes, to_box
from .outlines import fit_outline

MAX_BORDER = 8
"""Widest border (px) read as a shape's stroke; a wider ring is a shape of its own."""
BORDER_CONTRAST = 24.0
"""Colour step (0-255, largest channel) a border needs from the fill, the surroundings and any blend of
the two: less, and the ring is the shape's anti-aliased rim, not a border."""
PAGE_CONTRAST = 12.0
"""Largest distance (0-255, largest channel) of a ring from the page colour for it to be the page."""
RING_COVER = 0.75
"""Share of a ring's pixels that must have the border colour: a border runs all around, a neighbour does not."""
DOUBLE_IOU = 0.8
"""Box overlap (IoU) above which two shapes of one kind are the same shape found twice."""
DOUBLE_DE = 10.0
"""Colour difference (CIE76 ΔE) below which two overlapping shapes have the same paint."""


def delta_e(a: str, b: str) -> float:
    """CIE76 ΔE between two ``#rrggbb`` colours."""
    rgb = np.array([[hex_to_rgb(a), hex_to_rgb(b)]], np.float32) / 255
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB)[0]
    return float(np.linalg.norm(lab[0] - lab[1]))


def blend_distance(color: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    """Largest-channel distance of ``color`` from the nearest blend of ``a`` and ``b`` (the segment a-b)."""
    return float(blend_distances(color, a, b))


def find_border(crop: np.ndarray, area: np.ndarray, care: np.ndarray, fill: np.ndarray,
                page: np.ndarray | None = None) -> tuple[np.ndarray, float] | None:
    """The colour and width (px) of a border ring just outside ``area`` in ``crop``, or None.

    The rings one pixel apart around the area are compared with the fill and
    with what lies beyond: the border colour is the ring colour furthest from
    both and from their blends; its width is the summed share of border-coloured
    pixels over the rings (anti-aliased edges count by halves). A ring of the
    ``page`` colour is the page showing between shapes (the gaps of a bar chart), no border.
    """
    grown = [dilate(area, d, disc=True) for d in range(MAX_BORDER + 3)]
    rings = [grown[d] & ~grown[d - 1] & care for d in range(1, len(grown))]
    if any(r.sum() < 8 for r in rings):
        return None
    pixels = [crop[r].astype(np.float32) for r in rings]
    outside = np.median(pixels[-1], axis=0)

    def apart(color: np.ndarray) -> float:
        return min(float(np.abs(color - fill).max()), float(np.abs(color - outside).max()),
                   blend_distance(color, fill, outside))

    candidates = [np.median(p, axis=0) for p in pixels[:MAX_BORDER]]
    border = max(candidates, key=apart)
    if apart(border) <= BORDER_CONTRAST or (page is not None and float(np.abs(border - page).max()) <= PAGE_CONTRAST):
        return None
    shares = []
    for p in pixels[:-1]:
        near = np.abs(p - border).max(axis=1)
        shares.append(float(np.mean(near < np.minimum(np.abs(p - fill).max(axis=1), np.abs(p - outside).max(axis=1)))))
    if max(shares) < RING_COVER:
        return None
    ring = np.concatenate([p[np.abs(p - border).max(axis=1) <= BORDER_CONTRAST] for p in pixels[:-1]])
    if len(ring) == 0:  # the rings' median colour is no pixel's (a mix of several): no border
        return None
    return np.median(ring, axis=0), float(sum(shares))


def _bordered(image: np.ndarray, text: np.ndarray, f: Found, page: np.ndarray | None) -> Found | None:
    """``f`` (a filled rect or ellipse) grown over the border ring around it and stroked with it, or None."""
    shape = f.node
    box = shape.box
    window = crop_window((int(box.x0), int(box.y0), math.ceil(box.x1), math.ceil(box.y1)), MAX_BORDER + 4,
                         text.shape)
    crop, area, care = image[window], f.area[window], ~text[window]
    found = find_border(crop, area, care, np.array(hex_to_rgb(shape.fill), np.float32), page)
    if found is None:
        return None
    color, width = found
    filled, contour = fill_holes(dilate(area, max(1, round(width)), disc=True))
    outline = fit_outline(filled, contour, np.ones(filled.shape, bool))
    if outline.kind != shape.shape:
        return None
    half = width / 2  # the stroke is centred on the outline: its outer edge is the border's
    ox, oy = window[1].start, window[0].start
    x0, y0, x1, y1 = outline.box
    radius = max(0.0, outline.radius - half) if shape.corner_radius > 0 else 0.0
    node = shape.model_copy(update={
        "box": to_box(x0 + ox + half, y0 + oy + half, x1 + ox - half, y1 + oy - half),
        "stroke": rgb_to_hex(color), "stroke_width": round(width, 2), "corner_radius": round(radius, 2)})
    ring = filled & ~area & (channel_max(np.abs(crop.astype(np.float32) - color)) <= BORDER_CONTRAST)
    return Found(node, f.mask | place(text.shape, window, ring), place(text.shape, window, filled))


def merge_borders(image: np.ndarray, text: np.ndarray, found: list[Found],
                  page: np.ndarray | None = None) -> list[Found]:
    """``found`` with every filled rect or ellipse that a border ring (not of the ``page`` colour) surrounds
    made one stroked shape, and the pieces of that ring found as shapes of their own dropped."""
    order = sorted(found, key=lambda f: -f.node.box.width * f.node.box.height)
    result: list[Found] = []
    dropped: list[Found] = []
    for f in order:
        if any(f is d for d in dropped):
            continue
        node = f.node
        merged = None
        if isinstance(node, Shape) and node.shape in ("rect", "ellipse") and node.fill and not node.stroke:
            merged = _bordered(image, text, f, page)
        if merged is not None:
            ring = dilate(merged.area & ~f.area, 1)
            dropped += [g for g in order if g is not f and (g.mask & ring).sum() >= 0.8 * g.mask.sum()]
            f = merged
        result.append(f)
    return [f for f in result if not any(f is d for d in dropped)]


def box_iou(a: Box, b: Box) -> float:
    """Intersection over union of two boxes."""
    inter = max(0.0, min(a.x1, b.x1) - max(a.x0, b.x0)) * max(0.0, min(a.y1, b.y1) - max(a.y0, b.y0))
    return inter / max(a.width * a.height + b.width * b.height - inter, 1e-9)


def paint(shape: Shape) -> str | None:
    """The colour a shape shows: its fill, else its stroke."""
    return shape.fill or shape.stroke


def doubled(a: Shape, b: Shape) -> bool:
    """Whether ``a`` and ``b`` are one shape found twice: one kind, boxes overlapping by
    :data:`DOUBLE_IOU`, paints within :data:`DOUBLE_DE` (fill or stroke alike)."""
    if a.shape != b.shape or box_iou(a.box, b.box) <= DOUBLE_IOU:
        return False
    paints = [(p, q) for p in (a.fill, a.stroke) for q in (b.fill, b.stroke) if p and q]
    return any(delta_e(p, q) <= DOUBLE_DE for p, q in paints)


def single_shapes(found: list[Found]) -> list[Found]:
    """``found`` without doubled shapes: of each pair the larger (outer) one stays, with the other's pixels."""
    order = sorted(range(len(found)), key=lambda i: -found[i].node.box.width * found[i].node.box.height)
    kept: list[int] = []
    for i in order:
        node = found[i].node
        twin = next((k for k in kept if isinstance(node, Shape) and isinstance(found[k].node, Shape)
                     and doubled(found[k].node, node)), None)
        if twin is None:
            kept.append(i)
        else:
            found[twin] = Found(found[twin].node, found[twin].mask | found[i].mask, found[twin].area | found[i].area)
    return [found[i] for i in sorted(kept)]
