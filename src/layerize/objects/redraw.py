"""Each shape drawn back over the plate's fill and compared with the pixels it takes from the plate.

A shape fitted to a region that redraws it badly is no shape the designer drew:
the cells of a heatmap fitted as rounded squares with a thick stroke, a bar with
a stroke measured on its anti-aliased rim. The plate keeps those pixels and the
shape is dropped (:func:`faithful`). Rectangles, ellipses and lines are drawn
from their signed distance (anti-aliased over one pixel, strokes centred on the
outline as every format draws them), polygons from their outline's coverage. A
gradient, a dash or a traced path (checked where it is traced) is not drawn
here: such a shape is kept as found.
"""

from __future__ import annotations

import numpy as np

from ..primitives.color import blend_distances, channel_max, hex_to_rgb
from ..primitives.masks import Window
from ..primitives.paths import coverage
from ..render import line_endpoints
from ..scene import ImageObject, Shape
from .base import Segmentation

MISMATCH = 24
"""Largest difference (0-255, per channel) of a redrawn pixel from the image for it to match."""
MAX_MISMATCH = 0.1
"""Largest share of the pixels a shape takes from the plate that its redraw may miss."""

Layer = tuple[np.ndarray, tuple[int, int, int]]
"""A coverage (HxW float 0..1) and the colour painted with it."""


def _box_distance(px: np.ndarray, py: np.ndarray, half_w: float, half_h: float, radius: float) -> np.ndarray:
    """Signed distance (px, negative inside) of points relative to a centred rounded box's outline."""
    radius = min(radius, half_w, half_h)
    qx, qy = np.abs(px) - (half_w - radius), np.abs(py) - (half_h - radius)
    outside = np.hypot(np.maximum(qx, 0), np.maximum(qy, 0))
    return outside + np.minimum(np.maximum(qx, qy), 0) - radius


def _distance(shape: Shape, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Signed distance of the pixel centres ``xs``, ``ys`` from a rect's, ellipse's or line's outline."""
    box = shape.box
    if shape.shape == "line":
        x1, y1, x2, y2 = line_endpoints(shape)
        length = max(float(np.hypot(x2 - x1, y2 - y1)), 1e-9)
        ux, uy = (x2 - x1) / length, (y2 - y1) / length
        dx, dy = xs - (x1 + x2) / 2, ys - (y1 + y2) / 2
        width = shape.stroke_width or max(1.0, min(box.width, box.height))
        return _box_distance(dx * ux + dy * uy, dy * ux - dx * uy, length / 2, width / 2, 0.0)
    cx, cy, half_w, half_h = (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2, box.width / 2, box.height / 2
    if shape.shape == "ellipse":  # the normalised radius scaled back: exact on a circle, close on an ellipse
        return (np.hypot((xs - cx) / max(half_w, 1e-9), (ys - cy) / max(half_h, 1e-9)) - 1) * min(half_w, half_h)
    return _box_distance(xs - cx, ys - cy, half_w, half_h, shape.corner_radius)


def shape_layers(shape: Shape, window: Window) -> list[Layer] | None:
    """The layers a shape paints over the pixels of ``window``, bottom to top (fill, then stroke); None for
    a shape not drawn here (a gradient, a dash, a traced path, a polygon's stroke)."""
    if shape.gradient is not None or shape.dash is not None:
        return None
    rows, cols = window
    size, corner = (rows.stop - rows.start, cols.stop - cols.start), (float(cols.start), float(rows.start))
    stroked = bool(shape.stroke and shape.stroke_width > 0)
    if shape.shape == "path":  # traced, and checked where it is traced (:func:`.trace.trace_fidelity`)
        return None
    if shape.shape == "polygon":
        if stroked or not shape.fill:
            return None
        return [(coverage([[(p, p, p) for p in shape.points or []]], size, corner), hex_to_rgb(shape.fill))]
    ys, xs = np.mgrid[rows, cols].astype(np.float32) + 0.5
    distance = _distance(shape, xs, ys)
    if shape.shape == "line":
        color = shape.stroke or shape.fill
        return [(np.clip(0.5 - distance, 0, 1), hex_to_rgb(color))] if color else []
    layers = [(np.clip(0.5 - distance, 0, 1), hex_to_rgb(shape.fill))] if shape.fill else []
    if stroked:
        assert shape.stroke is not None
        layers.append((np.clip(0.5 - (np.abs(distance) - shape.stroke_width / 2), 0, 1), hex_to_rgb(shape.stroke)))
    return layers


def redraw_mismatch(shape: Shape, image: np.ndarray, filled: np.ndarray, window: Window,
                    pixels: np.ndarray) -> float | None:
    """Share of the ``pixels`` (a bool mask of the canvas ``window``) that ``shape`` drawn over the
    ``filled`` plate does not show as in ``image``; None for a shape not drawn here or no pixels.

    A pixel the drawing covers in part matches when the image shows any blend of the two colours meeting
    there: a high-contrast edge a tenth of a pixel off is 25 levels off, and still the same edge."""
    layers = shape_layers(shape, window) if pixels.any() else None
    if layers is None:
        return None
    target = image[window].astype(np.float32)
    drawn = filled[window].astype(np.float32)
    edge = np.full(pixels.shape, np.nan, np.float32)  # blend distance where the topmost layer covers in part
    for cover, color in layers:
        paint = np.array(color, np.float32)
        partial = (cover > 0.02) & (cover < 0.98)
        edge[partial] = blend_distances(target[partial], drawn[partial], paint)
        edge[cover >= 0.98] = np.nan
        drawn += cover[..., None] * (paint - drawn)
    off = np.where(np.isnan(edge), channel_max(np.abs(drawn - target)), edge)
    return float((off[pixels] > MISMATCH).mean())


def faithful(found: Segmentation, image: np.ndarray, filled: np.ndarray) -> Segmentation:
    """``found`` without the shapes that, drawn over the ``filled`` plate, miss more than
    :data:`MAX_MISMATCH` of the ``image`` pixels they take (those no node above them takes), even without
    their stroke."""
    above = np.zeros(found.size, bool)
    nodes: list[Shape | ImageObject | None] = list(found.nodes)
    for i in reversed(range(len(nodes))):
        node, footprint = nodes[i], found.footprints[i]
        if isinstance(node, Shape):
            pixels = footprint.mask & ~above[footprint.window]
            nodes[i] = next((shape for shape in _variants(node) if _faithful(shape, image, filled, footprint.window,
                                                                             pixels)), None)
        footprint.paint(above)
    kept = [i for i, node in enumerate(nodes) if node is not None]
    return Segmentation([nodes[i] for i in kept], [found.footprints[i] for i in kept], found.size)


def _variants(shape: Shape) -> list[Shape]:
    """``shape``, then without its stroke: a stroke measured on an anti-aliased rim may be none."""
    if shape.shape == "line" or not (shape.stroke and shape.stroke_width > 0):
        return [shape]
    return [shape, shape.model_copy(update={"stroke": None, "stroke_width": 0.0})]


def _faithful(shape: Shape, image: np.ndarray, filled: np.ndarray, window: Window, pixels: np.ndarray) -> bool:
    miss = redraw_mismatch(shape, image, filled, window, pixels)
    return miss is None or miss <= MAX_MISMATCH
