"""The ``flat`` segmenter: flat-colour regions (cards, buttons, badges, bars, lines, simple polygons)
fitted with native shapes."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from ..config import ObjectsConfig
from ..primitives.color import channel_max, flat_colours, hex_to_rgb
from ..primitives.masks import crop_window, dilate, place
from ..scene import Provenance, Shape
from .base import (
    Found,
    edge_strength,
    fill_holes,
    flat_components,
    joined_across_text,
    line_box,
    page_label,
    to_box,
)
from .borders import BORDER_CONTRAST, blend_distance, merge_borders
from .dashes import dashed_strokes
from .grids import joined_across_rules
from .hidden import hidden_ellipse
from .holes import holed_shape, page_holes, without_page_patches
from .outlines import fill_paint, fit_outline

MIN_FIT = 0.9
"""Outline fit (IoU) a region needs to become a shape: below it, it is no primitive a designer drew."""
MAX_LINE_WIDTH = 10.0
"""Thickest bar (px) taken for a line rather than a rectangle."""
MAX_RESIDUAL = 4.0
"""Colour std-dev left after the fill's linear fit above which a region is texture, not a flat paint."""
THIN_WIDTH = 2.5
"""Thickest rule the thin-line pass takes: a wider one holds flat pixels (a 3x3 flat neighbourhood) and is
found as a flat region; wider runs here are strokes of something the masks missed."""
LINE_ASPECT = 6.0
"""Length over width a bar needs to be a line."""
MIN_SOLID = 0.8
"""Share of its min-area rectangle a thin region must fill to be a straight line (not a curve or a hook)."""
PIECE_COLORS, PIECE_SPREAD, PIECE_SHARE = 4, 24.0, 0.95
"""A backdrop that so many flat colours explain (``PIECE_SHARE`` of it within ``PIECE_SPREAD``) is the rest
of a flat graphic; one they do not explain is a texture."""
AA_REACH = 2
"""Pixels beside a bar's solid core where its anti-aliased edge may lie."""
BACKDROP_SPREAD = 16.0
"""Largest distance (0-255) of most (90 %) backdrop pixels from their median for the backdrop to be one colour."""
PLAIN_SPREAD, PLAIN_SHARE = 8.0, 0.8
"""The pixels around a region are one plain colour when this share of them lies within this distance (0-255,
largest channel) of their median."""
MIN_HIDDEN_AREA = 400
"""Fewest pixels a region needs to be taken for the visible part of a hidden ellipse."""
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
        labels, stats = joined_across_rules(image, *joined_across_text(image, text, labels, stats))
        page = page_label(count, stats, text.size)
        paper = np.median(image[::4, ::4][labels[::4, ::4] == page], axis=0) if page else None
        holes = np.zeros(text.shape, bool)  # where the page shows through holed paths
        found = []
        for label in np.flatnonzero(stats[:, cv2.CC_STAT_AREA] >= self.min_area):
            x, y, w, h = (int(v) for v in stats[label, :4])
            if label in (0, page) or w * h >= 0.9 * text.size:
                continue
            window = crop_window((x, y, x + w, y + h), 6, text.shape)  # with its edge band and what lies around
            region = labels[window] == label
            result = self.shape(image[window], region, ~text[window], (window[1].start, window[0].start), paper,
                                _on_backdrops(labels[window], stats, label, region),
                                _smaller_regions(labels[window], stats, label, page))
            hidden = None  # no primitive, or a free form, may be an ellipse partly hidden
            if (result is None or result[0].shape == "polygon") and paper is not None \
                    and stats[label, cv2.CC_STAT_AREA] >= MIN_HIDDEN_AREA:
                hidden = self.behind(image, labels, label, paper)
            if hidden is not None:
                found.append(hidden)
            elif result is not None:
                shape, filled = result
                if shape.shape == "path":
                    holes[window] |= fill_holes(filled)[0] & ~filled
                found.append(Found(shape, place(text.shape, window, dilate(region, 1, disc=True) & filled),
                                   place(text.shape, window, filled)))
        found = merge_borders(image, text, without_page_patches(found, holes, paper) if paper is not None else found,
                              paper)
        blocked = text | taken
        count, labels, boxes = similar_components(image, ~(blocked | _covered(text.shape, found)), self.threshold)
        dashed = dashed_strokes(image, labels, boxes)
        if dashed:
            labels = np.where(_covered(text.shape, dashed), 0, labels)
        return found + dashed + self.thin_lines(image, blocked, labels, boxes)

    def behind(self, image: np.ndarray, labels: np.ndarray, label: int, paper: np.ndarray) -> Found | None:
        """The ellipse a flat region shows part of, the page bounding the rest of its outline and something
        unflat hiding the rest (:func:`~layerize.objects.hidden.hidden_ellipse`), or None. Its pixels are
        those clear of what hides it (the soft edge fading into it is the hider's), its area the region."""
        x, y, w, h = (int(v) for v in cv2.boundingRect((labels == label).astype(np.uint8)))
        window = crop_window((x, y, x + w, y + h), max(w, h) // 2 + 6, labels.shape)  # room for what is hidden
        region = labels[window] == label
        seen = hidden_ellipse(image[window], region, paper)
        if seen is None:
            return None
        outline, clear = seen
        fill, gradient, residual = fill_paint(image[window], clear) if clear.sum() >= MIN_HIDDEN_AREA // 4 else (
            "", None, math.inf)
        if residual > MAX_RESIDUAL:
            return None
        ox, oy = window[1].start, window[0].start
        bx0, by0, bx1, by1 = outline.box
        shape = Shape(id="", name="Ellipse", shape="ellipse", box=to_box(bx0 + ox, by0 + oy, bx1 + ox, by1 + oy),
                      fill=fill, gradient=gradient, provenance=Provenance(engine=self.name, confidence=outline.fit))
        return Found(shape, place(labels.shape, window, dilate(clear, 1, disc=True) & region),
                     place(labels.shape, window, fill_holes(region)[0]))

    def thin_lines(self, image: np.ndarray, blocked: np.ndarray, labels: np.ndarray, boxes: np.ndarray
                   ) -> list[Found]:
        """Lines too thin to hold a flat pixel (1-2 px rules) among the runs of similar pixels outside the
        ``blocked`` pixels and the shapes (:func:`similar_components`' ``labels`` and ``boxes``) that are no
        shape's anti-aliased rim."""
        areas = np.bincount(labels.ravel(), minlength=len(boxes))
        found = []
        for label in np.flatnonzero(areas >= self.min_area):
            if label == 0:
                continue
            x0, y0, x1, y1 = (int(v) for v in boxes[label])
            if areas[label] > MAX_LINE_WIDTH * math.hypot(x1 - x0, y1 - y0):
                continue  # too much area for a thin bar: some flat region
            window = crop_window((x0, y0, x1, y1), 2 * AA_REACH + 1, blocked.shape)  # room for its edges
            region = labels[window] == label
            if (dilate(region, 1) & blocked[window]).any():
                continue  # touching text or an object: a stroke of it the masks missed, not a rule
            line = self.line(image[window], region, ~blocked[window], (window[1].start, window[0].start))
            if line is not None and not _rim(image[window], region):
                found.append(Found(line, place(blocked.shape, window, region), place(blocked.shape, window, region)))
        return found

    def line(self, crop: np.ndarray, region: np.ndarray, care: np.ndarray, offset: tuple[int, int]) -> Shape | None:
        """A line shape for a thin ``region`` of a crop at ``offset``, its width measured across it with its
        anti-aliased edges (:func:`_painted_width`), or None."""
        ys, xs = np.nonzero(region)
        rect = cv2.minAreaRect(np.column_stack([xs, ys]).astype(np.float32))
        long = max(rect[1]) + 1
        width = float(region.sum()) / long  # mean extent across the line
        if width > THIN_WIDTH or long < LINE_ASPECT * width or region.sum() < MIN_SOLID * long * math.ceil(width):
            return None
        color, _, residual = fill_paint(crop, region)
        if residual > MAX_RESIDUAL:
            return None
        width = _painted_width(crop, region, care, color, width, long)
        ends = _line_ends(cv2.boxPoints(rect), offset)
        return Shape(id="", name="Line", shape="line", box=line_box(ends, width), stroke=color,
                     stroke_width=round(width, 2), points=[(float(x), float(y)) for x, y in ends],
                     provenance=Provenance(engine=self.name, confidence=1.0))

    def shape(self, crop: np.ndarray, region: np.ndarray, care: np.ndarray, offset: tuple[int, int],
              page: np.ndarray | None = None, on_backdrops: bool = False,
              above: np.ndarray | None = None) -> tuple[Shape, np.ndarray] | None:
        """A native shape and its pixels for one flat ``region`` of a crop at ``offset``, or None. Where the
        ``page`` colour shows through holes in it, a path with those holes (:mod:`.holes`). A free-form
        region among other flat colours is a piece of a graphic, unless it lies ``on_backdrops`` only. A
        rectangle or ellipse may lie under the smaller regions ``above`` (a panel under the cards and the
        arrow that reach into it): their pixels do not count against its outline. An outline that fits
        no primitive is tried again bridged across text that cuts it open to its edge."""
        fill, gradient, residual = fill_paint(crop, region)
        outer, _ = fill_holes(region)
        band = dilate(outer, 2, disc=True) & ~outer
        if (residual > MAX_RESIDUAL or np.median(edge_strength(crop)[band]) < MIN_CONTRAST
                or (~care[band]).mean() > 0.5):  # a glyph's counter, not a shape
            return None
        filled, contour = fill_holes(dilate(_bridged(region, care), 1, disc=True))
        rect = cv2.minAreaRect(contour)
        thin, long = sorted(rect[1])
        ox, oy = offset
        provenance = Provenance(engine=self.name, confidence=1.0)
        if thin + 1 <= MAX_LINE_WIDTH and long >= LINE_ASPECT * (thin + 1):
            ends = _line_ends(cv2.boxPoints(rect), offset)
            width = _painted_width(crop, filled, care, fill, thin + 1, long + 1)
            return Shape(id="", name="Line", shape="line", box=line_box(ends, width), stroke=fill,
                         stroke_width=width, points=[(float(x), float(y)) for x, y in ends],
                         provenance=provenance), filled
        if page is not None and gradient is None and (holes := page_holes(crop, region, care, page)).any():
            path = holed_shape(region, holes, fill, offset, self.name)
            if path is not None:
                return path, filled & ~holes
        outline = fit_outline(filled, contour, care)
        if outline.fit < MIN_FIT:  # a label over its edge may have cut it open
            wider, around_wider = fill_holes(dilate(_bridged(region, care, always=True), 1, disc=True))
            again = fit_outline(wider, around_wider, care)
            if again.fit > outline.fit:
                filled, contour, outline = wider, around_wider, again
        if (outline.fit < MIN_FIT or outline.kind == "polygon") and above is not None and (above & ~filled).any():
            under = fit_outline(filled, contour, care & ~above, primitives_only=True)
            outline = under if under.fit >= MIN_FIT else outline
        # a small shape alone on a backdrop may miss by half a pixel along its outline, whatever the IoU says
        lenient = 1 - 0.5 * cv2.arcLength(contour, True) / max(float(filled.sum()), 1.0)
        if outline.fit < MIN_FIT or outline.kind == "polygon":
            around = Backdrop.of(crop, outer, care)
            if outline.fit < MIN_FIT and not (outline.fit >= lenient and around.one_colour):
                return None
            if outline.kind == "polygon" and (not around.stands_out or (not on_backdrops and around.pieces)):
                return None  # a free-form piece among other flat colours: part of an icon or logo, not a shape
        bx0, by0, bx1, by1 = outline.box
        rounded = outline.kind == "rect" and outline.radius >= 1
        title = "Rounded rectangle" if rounded else outline.kind.capitalize()
        shape = Shape(id="", name=title, shape=outline.kind, box=to_box(bx0 + ox, by0 + oy, bx1 + ox, by1 + oy),
                      fill=fill, gradient=gradient, corner_radius=round(outline.radius, 2) if rounded else 0.0,
                      points=[(x + ox, y + oy) for x, y in outline.points] or None,
                      provenance=provenance.model_copy(update={"confidence": round(outline.fit, 3)}))
        return shape, filled


def _ring(region: np.ndarray) -> np.ndarray:
    """The pixels 4 to 6 px around ``region``: beyond its anti-aliased edge."""
    return dilate(region, 6, disc=True) & ~dilate(region, 3, disc=True)


@dataclass(frozen=True)
class Backdrop:
    """What lies around a region beyond its anti-aliased edge: the pixels of colours it does not have
    (N x 3) and how many pixels the ring holds in all."""

    pixels: np.ndarray
    ring_size: int
    plain_contrast: float = 0.0

    @classmethod
    def of(cls, crop: np.ndarray, region: np.ndarray, care: np.ndarray | None = None) -> Backdrop:
        """What lies around ``region``; whether it is plain is judged on the ``care`` pixels (not text)."""
        own = np.median(crop[region].astype(np.float32), axis=0)
        ring = _ring(region)
        size = int(ring.sum())
        around = crop[ring if care is None else ring & care].astype(np.float32)
        paper = np.median(around, axis=0) if len(around) else own
        plain = len(around) > 0 and float((channel_max(np.abs(around - paper)) <= PLAIN_SPREAD).mean()) >= PLAIN_SHARE
        contrast = float(np.abs(paper - own).max()) if plain else 0.0
        ring &= channel_max(np.abs(crop.astype(np.float32) - own)) > 40  # tips the region does not reach
        return cls(crop[ring].astype(np.float32), size, contrast)

    @property
    def one_colour(self) -> bool:
        """Whether the region sits on one backdrop colour (not among the pieces of a multi-colour graphic)."""
        return len(self.pixels) > 0 and float(self.pixels.std(axis=0).max()) <= 10

    @property
    def stands_out(self) -> bool:
        """Whether most of what lies around the region differs from it, or it lies on one plain colour it
        differs from (a light grey arrow on white): a flat patch of a textured page in the page's own
        colour (paper grain) is no shape."""
        return len(self.pixels) >= 0.5 * max(self.ring_size, 1) or self.plain_contrast >= MIN_CONTRAST

    @property
    def pieces(self) -> bool:
        """Whether the region lies among a few other flat colours (a piece of an icon or logo), not on one
        colour nor on a texture (a photo, a painted or mottled backdrop, where a flat shape is one)."""
        if len(self.pixels) == 0:
            return True
        return not self.one_colour and flat_colours(self.pixels, PIECE_COLORS, PIECE_SPREAD, PIECE_SHARE) is not None


def _painted_width(crop: np.ndarray, line: np.ndarray, care: np.ndarray, fill: str, solid: float,
                   length: float) -> float:
    """The width of a bar whose ``solid`` pixels are ``line``: those plus the share of the line's paint in
    each anti-aliased pixel beside them, against a one-colour backdrop. ``solid`` where the backdrop is no
    one colour or something else lies beside the bar."""
    band = dilate(line, AA_REACH, disc=True)
    ring = dilate(line, 2 * AA_REACH, disc=True) & ~band
    if not ring.any() or (~care[band]).any():
        return float(solid)
    backdrop = crop[ring].astype(np.float32)
    paper = np.median(backdrop, axis=0)
    if float(np.percentile(channel_max(np.abs(backdrop - paper)), 90)) > BACKDROP_SPREAD:
        return float(solid)
    span = np.array(hex_to_rgb(fill), np.float32) - paper
    if float(np.abs(span).max()) < BORDER_CONTRAST:
        return float(solid)
    share = np.clip((crop[band & ~line].astype(np.float32) - paper) @ span / float(span @ span), 0, 1)
    return round(min(solid + float(share.sum()) / length, solid + 2 * AA_REACH), 2)


def _bridged(region: np.ndarray, care: np.ndarray, always: bool = False) -> np.ndarray:
    """``region`` with each run of text pixels (not ``care``) that has the region on both its ends, in a
    row or a column, filled in: a shape that its label cuts in two (or, ``always``, to its edge) is whole
    again."""
    if not always and cv2.connectedComponents(region.astype(np.uint8), connectivity=8)[0] <= 2:
        return region
    result = region.copy()
    for grid, out in ((region, result), (region.T, result.T)):
        blocked = ~(care if grid is region else care.T)
        for row in np.flatnonzero(blocked.any(axis=1)):
            edges = np.diff(np.concatenate([[0], blocked[row].astype(np.int8), [0]]))
            for start, stop in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)):
                if start > 0 and stop < grid.shape[1] and grid[row, start - 1] and grid[row, stop]:
                    out[row, start:stop] = True
    return result


def _on_backdrops(labels: np.ndarray, stats: np.ndarray, label: int, region: np.ndarray) -> bool:
    """Whether the flat regions around ``region`` (``label`` in a crop of the ``labels``) are mostly (80 % of
    the ring around it) at least twice its size: backdrops it lies on (columns, panels, the page: an arrow
    across them), not the pieces of a graphic around it."""
    around = labels[_ring(region)]
    around = around[(around != 0) & (around != label)]
    area = stats[:, cv2.CC_STAT_AREA]
    return len(around) > 0 and float((area[around] >= 2 * area[label]).mean()) >= 0.8


def _smaller_regions(labels: np.ndarray, stats: np.ndarray, label: int, page: int) -> np.ndarray:
    """The pixels of the flat regions other than the page that are smaller than region ``label`` (in a crop
    of the ``labels``): what may lie on it, since shapes stack larger first."""
    area = stats[:, cv2.CC_STAT_AREA]
    return (labels > 0) & (labels != label) & (labels != page) & (area[labels] < area[label])


def _line_ends(corners: np.ndarray, offset: tuple[int, int]) -> np.ndarray:
    """The two ends (2x2, canvas coordinates) of the centre line of a thin rotated rectangle whose four
    ``corners`` are pixel centres of a crop at ``offset``, on the outer edges of its end pixels: a line is
    drawn with butt caps, so its ends must reach them."""
    edges = [(corners[i], corners[(i + 1) % 4]) for i in range(4)]
    short = sorted(edges, key=lambda e: float(np.hypot(*(e[1] - e[0]))))[:2]
    ends = np.array([(a + b) / 2 for a, b in short]) + np.array(offset) + 0.5
    along = (ends[1] - ends[0]) / max(float(np.hypot(*(ends[1] - ends[0]))), 1e-9)
    return ends + np.array([-along, along]) * 0.5


def _covered(shape: tuple[int, int], found: list[Found]) -> np.ndarray:
    """The pixels of ``shape`` (height, width) that the ``found`` nodes cover."""
    covered = np.zeros(shape, bool)
    for f in found:
        covered |= f.area
    return covered


def similar_components(image: np.ndarray, free: np.ndarray,
                       threshold: float) -> tuple[int, np.ndarray, np.ndarray]:
    """Connected runs of ``free`` pixels whose 4-neighbours differ by at most ``threshold``: count, labels
    and each label's box (count x 4: x0, y0, x1, y1).

    Unlike :func:`~layerize.objects.base.flat_components` a pixel needs no flat
    neighbourhood, so a 1 px rule is a region too. The pixels and the links
    between similar neighbours become the cells of a grid twice the size, whose
    4-connected components are those of the similarity graph (a link lies between two pixels of its
    component, so a component's box on the grid spans from pixel to pixel).
    """
    img = image.astype(np.int16)
    h, w = free.shape
    grid = np.zeros((2 * h - 1, 2 * w - 1), np.uint8)
    grid[::2, ::2] = free
    grid[::2, 1::2] = (channel_max(np.abs(img[:, 1:] - img[:, :-1])) <= threshold) & free[:, 1:] & free[:, :-1]
    grid[1::2, ::2] = (channel_max(np.abs(img[1:] - img[:-1])) <= threshold) & free[1:] & free[:-1]
    count, labels, stats, _ = cv2.connectedComponentsWithStats(grid, connectivity=4)
    x, y, gw, gh = (stats[:, i] for i in (cv2.CC_STAT_LEFT, cv2.CC_STAT_TOP, cv2.CC_STAT_WIDTH, cv2.CC_STAT_HEIGHT))
    boxes = np.column_stack([x // 2, y // 2, (x + gw - 1) // 2 + 1, (y + gh - 1) // 2 + 1])
    return count, labels[::2, ::2], boxes


def _rim(crop: np.ndarray, region: np.ndarray) -> bool:
    """Whether ``region`` is an anti-aliased rim (of a shape, a glyph the masks missed): its colour is a
    blend of the colours on its two sides. A rule on a page has the page on both sides and is none."""
    ring = crop[dilate(region, 1) & ~region].astype(np.float32)
    own = np.median(crop[region].astype(np.float32), axis=0)
    if len(ring) == 0:
        return False
    far = ring[int(np.argmax(np.abs(ring - own).max(axis=1)))]
    near_far = np.abs(ring - far).max(axis=1) < np.abs(ring - own).max(axis=1)
    if near_far.all():
        return False
    sides = np.median(ring[near_far], axis=0), np.median(ring[~near_far], axis=0)
    return blend_distance(own, *sides) <= BORDER_CONTRAST and float(np.abs(sides[0] - sides[1]).max()) > BORDER_CONTRAST
