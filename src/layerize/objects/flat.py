"""The ``flat`` segmenter: flat-colour regions (cards, buttons, badges, bars, lines, simple polygons)
fitted with native shapes."""

from __future__ import annotations

import cv2
import numpy as np

from ..config import ObjectsConfig
from ..primitives.masks import crop_window, dilate, place
from ..scene import Box, Provenance, Shape
from .base import Found, edge_strength, fill_holes, flat_components, page_label, to_box
from .outlines import fill_paint, fit_outline

MIN_FIT = 0.9
"""Outline fit (IoU) a region needs to become a shape: below it, it is no primitive a designer drew."""
MAX_LINE_WIDTH = 10.0
"""Thickest bar (px) taken for a line rather than a rectangle."""
MAX_RESIDUAL = 4.0
"""Colour std-dev left after the fill's linear fit above which a region is texture, not a flat paint."""
MIN_CONTRAST = 16.0
"""Median edge strength around a region below which it is a soft patch of its surroundings, not a shape."""


class FlatSegmenter:
    """Flat-colour regions fitted with native shapes (see :mod:`layerize.objects`)."""

    name = "flat"

    def __init__(self, cfg: ObjectsConfig | None = None) -> None:
        cfg = cfg or ObjectsConfig()
        self.threshold = cfg.edge_threshold
        self.min_area = cfg.min_area

    def find(self, image: np.ndarray, text: np.ndarray, taken: np.ndarray) -> list[Found]:
        count, labels, stats = flat_components(image, text | taken, self.threshold)
        page = page_label(count, stats, text.size)
        found = []
        for label in np.flatnonzero(stats[:, cv2.CC_STAT_AREA] >= self.min_area):
            x, y, w, h = (int(v) for v in stats[label, :4])
            if label in (0, page) or w * h >= 0.9 * text.size:
                continue
            window = crop_window((x, y, x + w, y + h), 6, text.shape)  # with its edge band and what lies around
            region = labels[window] == label
            result = self.shape(image[window], region, ~text[window], (window[1].start, window[0].start))
            if result is not None:
                shape, filled = result
                found.append(Found(shape, place(text.shape, window, dilate(region, 1, disc=True) & filled),
                                   place(text.shape, window, filled)))
        return found

    def shape(self, crop: np.ndarray, region: np.ndarray, care: np.ndarray,
               offset: tuple[int, int]) -> tuple[Shape, np.ndarray] | None:
        """A native shape and its pixels for one flat ``region`` of a crop at ``offset``, or None."""
        fill, gradient, residual = fill_paint(crop, region)
        outer, _ = fill_holes(region)
        band = dilate(outer, 2, disc=True) & ~outer
        if (residual > MAX_RESIDUAL or np.median(edge_strength(crop)[band]) < MIN_CONTRAST
                or (~care[band]).mean() > 0.5):  # a glyph's counter, not a shape
            return None
        filled, contour = fill_holes(dilate(region, 1, disc=True))
        rect = cv2.minAreaRect(contour)
        thin, long = sorted(rect[1])
        ox, oy = offset
        provenance = Provenance(engine=self.name, confidence=1.0)
        if thin + 1 <= MAX_LINE_WIDTH and long >= 6 * (thin + 1):
            ends = _line_ends(cv2.boxPoints(rect)) + np.array([ox + 0.5, oy + 0.5])
            return Shape(id="", name="Line", shape="line", box=_points_box(ends, (thin + 1) / 2), stroke=fill,
                         stroke_width=float(thin + 1), points=[(float(x), float(y)) for x, y in ends],
                         provenance=provenance), filled
        outline = fit_outline(filled, contour, care)
        # a small shape alone on a backdrop may miss by half a pixel along its outline, whatever the IoU says
        lenient = 1 - 0.5 * cv2.arcLength(contour, True) / max(float(filled.sum()), 1.0)
        if outline.fit < MIN_FIT and not (outline.fit >= lenient and self._on_one_colour(crop, outer)):
            return None
        if outline.kind == "polygon" and not self._on_one_colour(crop, outer):
            return None  # a free-form piece among other colours: part of an icon or logo, not a shape
        bx0, by0, bx1, by1 = outline.box
        rounded = outline.kind == "rect" and outline.radius >= 1
        title = "Rounded rectangle" if rounded else outline.kind.capitalize()
        shape = Shape(id="", name=title, shape=outline.kind, box=to_box(bx0 + ox, by0 + oy, bx1 + ox, by1 + oy),
                      fill=fill, gradient=gradient, corner_radius=round(outline.radius, 2) if rounded else 0.0,
                      points=[(x + ox, y + oy) for x, y in outline.points] or None,
                      provenance=provenance.model_copy(update={"confidence": round(outline.fit, 3)}))
        return shape, filled


    @staticmethod
    def _on_one_colour(crop: np.ndarray, region: np.ndarray) -> bool:
        """Whether ``region`` sits on one backdrop colour (not among the pieces of a multi-colour graphic)."""
        own = np.median(crop[region].astype(np.float32), axis=0)
        ring = dilate(region, 6, disc=True) & ~dilate(region, 3, disc=True)  # beyond the anti-aliased edge
        ring &= np.abs(crop.astype(np.float32) - own).max(axis=2) > 40  # tips the region does not reach
        return bool(ring.any()) and float(crop[ring].astype(np.float32).std(axis=0).max()) <= 10


def _line_ends(corners: np.ndarray) -> np.ndarray:
    """The two ends (2x2) of the centre line of a thin rotated rectangle given by its four corners."""
    edges = [(corners[i], corners[(i + 1) % 4]) for i in range(4)]
    short = sorted(edges, key=lambda e: float(np.hypot(*(e[1] - e[0]))))[:2]
    return np.array([(a + b) / 2 for a, b in short])


def _points_box(points: np.ndarray, grow: float = 0.0) -> Box:
    """The box around ``points`` (Nx2) grown by ``grow`` on every side."""
    return to_box(points[:, 0].min() - grow, points[:, 1].min() - grow, points[:, 0].max() + grow,
                points[:, 1].max() + grow)

