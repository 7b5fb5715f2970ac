"""The ``photo`` segmenter: textured regions on a calmer background, as framed photos, cut-out products
and icons (one-colour graphics become native shapes)."""

from __future__ import annotations

import cv2
import numpy as np

from ..config import ObjectsConfig
from ..primitives.masks import crop_window, dilate, place
from .base import MAX_COVER, Found, cut_out, edge_strength, fill_holes, foreground_alpha
from .flat import FlatSegmenter
from .outlines import fit_outline

FRAME_FIT = 0.93
"""Fit (IoU) of a rectangle, rounded rectangle or ellipse from which a textured region is a framed photo."""
ICON_SIZE = 0.15
"""A cut-out whose long side is at most this share of the canvas's long side is an icon, else a product."""


class PhotoSegmenter:
    """Textured regions on a calmer background: framed photos, cut-out products and icons."""

    name = "photo"

    def __init__(self, cfg: ObjectsConfig | None = None) -> None:
        cfg = cfg or ObjectsConfig()
        self.threshold = cfg.edge_threshold
        self.min_area = cfg.min_object_area
        self._flat = FlatSegmenter(cfg)

    def find(self, image: np.ndarray, text: np.ndarray, taken: np.ndarray) -> list[Found]:
        busy = (edge_strength(image) > self.threshold) & ~dilate(text, 2, disc=True) & ~taken
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7))
        busy = cv2.morphologyEx(busy.astype(np.uint8), cv2.MORPH_CLOSE, kernel)
        count, labels, stats, _ = cv2.connectedComponentsWithStats(busy, connectivity=8)
        found = []
        for label in range(1, count):
            x, y, w, h, area = (int(v) for v in stats[label])
            if area < self.min_area or w * h > MAX_COVER * text.size or min(w, h) < 16:
                continue
            window = crop_window((x, y, x + w, y + h), 8, text.shape)
            filled, contour = fill_holes(labels[window] == label)
            hull = cv2.drawContours(np.zeros(filled.shape, np.uint8), [cv2.convexHull(contour)], -1, 1, cv2.FILLED) > 0
            if filled.sum() >= 0.8 * hull.sum():  # a frame with flat patches of the photo at its edge
                filled = hull
            outline = fit_outline(filled, contour, ~(text[window] | taken[window]))
            if outline.fit >= FRAME_FIT and outline.kind != "polygon":
                alpha, label_name, confidence = outline.coverage(filled.shape), "photo", outline.fit
            else:
                alpha = foreground_alpha(image[window], filled)
                if (shape := self._one_colour(image, text, alpha, window)) is not None:
                    found.append(shape)
                    continue
                long_side = max(text.shape)
                label_name = "icon" if max(w, h) <= ICON_SIZE * long_side else "product"
                confidence = 0.6
            result = cut_out(image, place(text.shape, window, alpha), label_name, self.name, confidence)
            if result is not None:
                found.append(result)
        return found


    def _one_colour(self, image: np.ndarray, text: np.ndarray, alpha: np.ndarray,
                    window: tuple[slice, slice]) -> Found | None:
        """A native shape for a graphic in one colour (an arrow, a thin line) in ``window``, or None."""
        crop, core = image[window], alpha > 0.9
        if core.sum() < 16 or crop[core].astype(np.float32).std(axis=0).max() > 8:
            return None
        if cv2.connectedComponents(core.astype(np.uint8))[0] != 2:
            return None
        result = self._flat.shape(crop, core, ~text[window], (window[1].start, window[0].start))
        if result is None:
            return None
        shape, filled = result
        return Found(shape, place(text.shape, window, filled), place(text.shape, window, filled))
