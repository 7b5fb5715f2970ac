"""What every segmenter shares: the hint and result types, pixel helpers and cut-outs with soft alpha."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

import cv2
import numpy as np
from PIL import Image

from ..primitives.color import blend_distances, channel_max
from ..primitives.groups import joined_groups
from ..primitives.masks import Window, dilate
from ..scene import Box, ImageObject, Provenance, Shape

EDGE_BLEND = 24.0
"""Largest distance (0-255, per channel) of a pixel beside a node from the blends of the node's nearest
colour and the plate's fill there for it to be the node's anti-aliased edge."""
SAME_COLOR = 10.0
"""Largest difference (0-255, per channel) of the mean colours of two flat regions of one colour."""
MAX_COVER = 0.6
"""Largest share of the canvas an object's box may cover (beyond it, it is the background)."""
HINT_ENGINE = "user"
"""The provenance engine of an object a user's hint forced."""


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


@dataclass(frozen=True)
class Footprint:
    """The pixels a node takes from the plate: a mask cropped to its bounding ``window`` of the canvas."""

    window: Window
    mask: np.ndarray

    @classmethod
    def of(cls, mask: np.ndarray) -> Footprint:
        rows, cols = np.nonzero(mask)
        if len(rows) == 0:
            return cls((slice(0, 0), slice(0, 0)), np.zeros((0, 0), bool))
        window = (slice(int(rows.min()), int(rows.max()) + 1), slice(int(cols.min()), int(cols.max()) + 1))
        return cls(window, mask[window])

    def paint(self, canvas: np.ndarray) -> None:
        """Set its pixels in the HxW bool ``canvas``."""
        canvas[self.window] |= self.mask


@dataclass
class Segmentation:
    """The nodes found, bottom to top, and the pixels each takes from the plate."""

    nodes: list[Shape | ImageObject]
    footprints: list[Footprint]
    size: tuple[int, int]

    @property
    def area(self) -> np.ndarray:
        """The pixels the nodes take (HxW bool)."""
        area = np.zeros(self.size, bool)
        for footprint in self.footprints:
            footprint.paint(area)
        return area

    @property
    def plate_mask(self) -> np.ndarray:
        """The pixels to erase from the plate: the nodes' area and a ring round it for their anti-aliased edges."""
        return dilate(self.area, 2, disc=True)


class Segmenter(Protocol):
    name: str

    def find(self, image: np.ndarray, text: np.ndarray, taken: np.ndarray) -> list[Found]:
        """Nodes in ``image`` (HxWx3 uint8) outside the ``text`` and already ``taken`` pixels (HxW bool)."""


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
    return channel_max(cv2.morphologyEx(image, cv2.MORPH_GRADIENT, kernel))


def flat_components(image: np.ndarray, text: np.ndarray, threshold: float) -> tuple[int, np.ndarray, np.ndarray]:
    """Connected flat regions (no edge above ``threshold``, no text): count, labels and stats."""
    flat = (edge_strength(image) <= threshold) & ~text
    return cv2.connectedComponentsWithStats(flat.astype(np.uint8), connectivity=4)[:3]


def joined_across_text(image: np.ndarray, text: np.ndarray, labels: np.ndarray,
                       stats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``labels`` and ``stats`` with the flat regions of one colour that only text parts (the words on a
    button or an arrow, cutting it in pieces: one piece before them, one after) as one region, labelled by
    the lowest of theirs, stats summed. Regions above and below a text (bars of a chart) stay apart."""
    count = len(stats)
    area = np.maximum(stats[:, cv2.CC_STAT_AREA], 1).astype(np.float64)
    flat = labels.ravel()
    colors = np.stack([np.bincount(flat, weights=image[..., c].ravel().astype(np.float64), minlength=count) / area
                       for c in range(3)], axis=1)
    n, words, boxes, _ = cv2.connectedComponentsWithStats(text.astype(np.uint8), connectivity=8)
    width = text.shape[1]

    def cut_pieces() -> Iterator[tuple[int, int]]:
        """Pairs of regions of one colour, one just before a word, one just after it."""
        for word in range(1, n):
            x, y, w, h = (int(v) for v in boxes[word, :4])
            rows = slice(y + h // 3, y + h - h // 3)  # its middle: not a bar above or below it
            left = {int(v) for v in np.unique(labels[rows, max(0, x - 3):x]) if v != 0}
            right = {int(v) for v in np.unique(labels[rows, x + w:min(width, x + w + 3)]) if v != 0}
            for a in left:  # a shape the words cut across: a piece before them, a piece after
                for b in right - {a}:
                    if np.abs(colors[a] - colors[b]).max() <= SAME_COLOR:
                        yield a, b

    return relabelled(labels, stats, joined_groups(count, cut_pieces()))


def relabelled(labels: np.ndarray, stats: np.ndarray, roots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``labels`` and ``stats`` with each region joined to its group's root (``roots``, see
    :func:`~layerize.primitives.groups.joined_groups`): the root's box spans the group, its area sums it."""
    if (roots == np.arange(len(stats))).all():
        return labels, stats
    joined = stats.copy()
    for a in np.flatnonzero(roots != np.arange(len(stats))):
        r = roots[a]
        x0 = min(joined[r, 0], stats[a, 0])
        y0 = min(joined[r, 1], stats[a, 1])
        x1 = max(joined[r, 0] + joined[r, 2], stats[a, 0] + stats[a, 2])
        y1 = max(joined[r, 1] + joined[r, 3], stats[a, 1] + stats[a, 3])
        joined[r, :4] = (x0, y0, x1 - x0, y1 - y0)
        joined[r, cv2.CC_STAT_AREA] += stats[a, cv2.CC_STAT_AREA]
        joined[a, cv2.CC_STAT_AREA] = 0
    return roots[labels], joined


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


def fill_holes(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``mask`` with its holes filled, and its largest outer contour."""
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    contour = max(contours, key=cv2.contourArea)
    filled = np.zeros(mask.shape, np.uint8)
    cv2.drawContours(filled, [contour], -1, 1, thickness=cv2.FILLED)
    return filled > 0, contour


def to_box(x0: float, y0: float, x1: float, y1: float) -> Box:
    return Box(x0=float(x0), y0=float(y0), x1=float(x1), y1=float(y1))


def line_box(ends: np.ndarray, width: float) -> Box:
    """The box around a straight line from ``ends[0]`` to ``ends[1]`` (2x2), ``width`` wide, its ends cut
    square at the two points (butt caps, as every format draws it)."""
    along = ends[1] - ends[0]
    across = np.array([-along[1], along[0]]) / max(float(np.hypot(*along)), 1e-9) * width / 2
    corners = np.concatenate([ends + across, ends - across])
    return to_box(corners[:, 0].min(), corners[:, 1].min(), corners[:, 0].max(), corners[:, 1].max())


def decontaminate(crop: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """``crop`` with the colour of partly covered pixels taken from the solid pixels nearby (no halo)."""
    solid = (alpha > 0.95).astype(np.float32)
    weights = cv2.blur(solid, (7, 7)) + 1e-6
    inner = np.stack([cv2.blur(crop[..., c].astype(np.float32) * solid, (7, 7)) for c in range(3)], axis=2)
    inner /= weights[..., None]
    edge = ((alpha < 0.95) & (weights > 0.01))[..., None]
    return np.where(edge, np.clip(inner, 0, 255), crop).astype(np.uint8)


def matted(node: ImageObject, image: np.ndarray, plate: np.ndarray) -> ImageObject:
    """``node`` with the colour of its partly covered pixels solved from the compositing equation over the
    ``plate`` it lies on (image = alpha * colour + (1 - alpha) * plate): laid on the plate, it draws the image
    again wherever a colour in range can, and its edge keeps the colours the plate's fill does not explain."""
    rgba, (left, top) = node.placed()
    pixels = np.asarray(rgba, np.float32)
    height, width = pixels.shape[:2]
    window = (slice(top, top + height), slice(left, left + width))
    if top < 0 or left < 0 or top + height > image.shape[0] or left + width > image.shape[1]:
        return node
    alpha = pixels[..., 3:] / 255.0
    partly = (alpha > 0.0) & (alpha < 1.0)
    behind = (1.0 - alpha) * plate[window].astype(np.float32)
    solved = (image[window].astype(np.float32) - behind) / np.maximum(alpha, 1e-3)
    pixels[..., :3] = np.where(partly, np.clip(solved, 0, 255), pixels[..., :3])
    return node.model_copy(update={"image": Image.fromarray(np.rint(pixels).astype(np.uint8), "RGBA")})


def beside_nodes(before: np.ndarray, filled: np.ndarray, areas: np.ndarray, erased: np.ndarray) -> np.ndarray:
    """The ``erased`` pixels outside the nodes' ``areas`` that are no anti-aliased edge of a node: no blend
    of the nearest node pixel's colour in ``before`` and the plate ``filled`` there. An axis beside a bar, a
    marker between two bands, a shadow under a card: the plate keeps them, else nothing draws them."""
    beside = np.zeros(areas.shape, bool)
    ring = erased & ~areas
    if not ring.any() or not areas.any():
        return beside
    window = Footprint.of(erased).window
    inside, around = areas[window], ring[window]
    # each pixel's label is the (1-based, row-major) index of its nearest area pixel
    _, nearest = cv2.distanceTransformWithLabels((~inside).astype(np.uint8), cv2.DIST_L2, 5,
                                                 labelType=cv2.DIST_LABEL_PIXEL)
    ys, xs = np.nonzero(inside)
    index = nearest[around] - 1
    node = before[window][ys[index], xs[index]]
    beside[window][around] = blend_distances(before[window][around], filled[window][around], node) > EDGE_BLEND
    return beside


def cut_out(image: np.ndarray, alpha: np.ndarray, label: str, engine: str, confidence: float) -> Found | None:
    """An :class:`ImageObject` of the ``image`` pixels under ``alpha`` (HxW float 0..1), cropped to them."""
    ys, xs = np.nonzero(alpha > 0.02)
    if len(ys) == 0:
        return None
    window = (slice(int(ys.min()), int(ys.max()) + 1), slice(int(xs.min()), int(xs.max()) + 1))
    a = alpha[window]
    rgba = np.dstack([decontaminate(image[window], a), np.rint(a * 255).astype(np.uint8)])
    box = to_box(window[1].start, window[0].start, window[1].stop, window[0].stop)
    node = ImageObject(id="", name=label.capitalize(), label=label, box=box, image=Image.fromarray(rgba, "RGBA"),
                       provenance=Provenance(engine=engine, confidence=round(min(1.0, max(0.0, confidence)), 3)))
    return Found(node, alpha > 0.02, alpha > 0.02)


FOREGROUND_TOLERANCE = 24.0
"""Colour difference (0-255, largest channel) from the surrounding backdrop that makes a pixel foreground."""


def foreground_alpha(crop: np.ndarray, region: np.ndarray) -> np.ndarray:
    """Soft alpha (0..1) of what in ``region`` differs from the colour around it, refined by a guided filter."""
    ring = dilate(region, 6, disc=True) & ~dilate(region, 2, disc=True)
    if not ring.any():
        return region.astype(np.float32)
    backdrop = np.median(crop[ring].astype(np.float32), axis=0)
    hard = region & (channel_max(np.abs(crop.astype(np.float32) - backdrop)) > FOREGROUND_TOLERANCE)
    if hard.sum() < 0.05 * region.sum():
        hard = region
    guide = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255
    soft = guided_filter(guide, hard.astype(np.float32), radius=2, eps=1e-3)
    return np.clip(soft, 0, 1) * dilate(region, 2, disc=True)
