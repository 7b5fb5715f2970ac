"""Lines cut into pieces by what lies on them (a timeline's rule behind its numbered dots, a rule under a
badge or a word) joined back into one line, drawn right under the lowest node that hides a gap."""

from __future__ import annotations

import math
from itertools import combinations

import numpy as np

from ..primitives.masks import crop_window
from ..scene import ImageObject, Shape
from .base import Found, line_box
from .borders import delta_e, paint

MAX_DELTA_E = 10.0
"""Largest colour difference (CIE76) between two pieces of one line."""
MAX_WIDTH_DIFFERENCE = 1.5
"""Largest difference (px) between the widths of two pieces of one line."""
MAX_OFFSET = 1.5
"""Farthest (px) the ends of one piece may lie off the other's centre line."""
MIN_HIDDEN = 0.9
"""Share of the gap between two pieces that other nodes or text must cover."""
HOLDS = 0.05
"""Share of a line's visible pixels a node's area must hold to lie under the line."""
REACH = 2
"""Pixels around a point of a gap that count as covering it."""


def _ends(line: Shape) -> np.ndarray:
    assert line.points is not None and len(line.points) >= 2
    return np.array(line.points[:2], np.float64)


def _gap(a: Shape, b: Shape) -> np.ndarray | None:
    """The ends (2x2) of the stretch between two collinear pieces of one line, or None when they are none."""
    if a.stroke_width <= 0 or abs(a.stroke_width - b.stroke_width) > MAX_WIDTH_DIFFERENCE:
        return None
    ends_a, ends_b = _ends(a), _ends(b)
    length = float(np.hypot(*(ends_a[1] - ends_a[0])))
    if length == 0:
        return None
    along = (ends_a[1] - ends_a[0]) / length
    across = np.array([-along[1], along[0]])
    if np.abs((ends_b - ends_a[0]) @ across).max() > MAX_OFFSET:
        return None
    paint_a, paint_b = paint(a), paint(b)
    if paint_a is None or paint_b is None or delta_e(paint_a, paint_b) > MAX_DELTA_E:
        return None
    ta, tb = sorted([0.0, length]), sorted((ends_b - ends_a[0]) @ along)
    start, end = (ta[1], tb[0]) if tb[0] >= ta[1] else (tb[1], ta[0])
    if end <= start:
        return None  # overlapping pieces: one line found twice is another matter
    return ends_a[0] + np.outer([start, end], along)


def _samples(gap: np.ndarray, width: float) -> tuple[np.ndarray, np.ndarray]:
    """Points (x and y) along the gap's centre line and a quarter of the width either side, a pixel apart."""
    length = float(np.hypot(*(gap[1] - gap[0])))
    along = (gap[1] - gap[0]) / max(length, 1e-9)
    across = np.array([-along[1], along[0]])
    steps = np.linspace(0, 1, max(2, int(math.ceil(length)) + 1))
    points = np.concatenate([gap[0] + np.outer(steps, gap[1] - gap[0]) + k * width / 4 * across for k in (-1, 0, 1)])
    return points[:, 0], points[:, 1]


def _near(xs: np.ndarray, ys: np.ndarray, shape: tuple[int, int],
          reach: int = REACH) -> tuple[np.ndarray, np.ndarray]:
    """The pixels (rows, cols: K x N) within ``reach`` of each of N points, clipped to ``shape``."""
    offsets = np.arange(-reach, reach + 1)
    dy, dx = (a.ravel() for a in np.meshgrid(offsets, offsets, indexing="ij"))
    rows = np.clip(np.floor(ys).astype(int)[None] + dy[:, None], 0, shape[0] - 1)
    cols = np.clip(np.floor(xs).astype(int)[None] + dx[:, None], 0, shape[1] - 1)
    return rows, cols


def _under(mask: np.ndarray, near: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Which points have a ``mask`` pixel near them (within :data:`REACH`: an anti-aliased rim is no gap)."""
    return mask[near].any(axis=0)


def _joined(a: Found, b: Found) -> Found:
    """One line over both pieces, in the colour of the longer."""
    first, second = a.node, b.node
    assert isinstance(first, Shape) and isinstance(second, Shape)
    ends = np.concatenate([_ends(first), _ends(second)])
    direction = ends[1] - ends[0]
    t = (ends - ends[0]) @ direction
    span = ends[[int(np.argmin(t)), int(np.argmax(t))]]
    lengths = [float(np.hypot(*(_ends(s)[1] - _ends(s)[0]))) for s in (first, second)]
    longer = first if lengths[0] >= lengths[1] else second
    width = round((first.stroke_width * lengths[0] + second.stroke_width * lengths[1]) / max(sum(lengths), 1e-9), 2)
    node = longer.model_copy(update={
        "points": [(float(x), float(y)) for x, y in span], "box": line_box(span, width), "stroke_width": width,
        "provenance": longer.provenance.model_copy(update={
            "confidence": min(first.provenance.confidence, second.provenance.confidence)})})
    return Found(node, a.mask | b.mask, a.area | b.area)


def _alike(a: Shape | ImageObject, b: Shape | ImageObject) -> bool:
    """Whether two nodes are of one kind and size (within a fifth): repeated marks along a line."""
    same = (isinstance(a, Shape) and isinstance(b, Shape) and a.shape == b.shape) or (
        isinstance(a, ImageObject) and isinstance(b, ImageObject))
    return same and all(abs(u - v) <= 0.2 * max(u, v) for u, v in ((a.box.width, b.box.width),
                                                                    (a.box.height, b.box.height)))


def _insert(found: list[Found], line: Found, at: int, gap_covers: list[int]) -> list[Found]:
    """``found`` with ``line`` at ``at``, or lower: right under the lowest node drawn over it, yet over every
    node that holds some of its visible pixels (a card the line lies on). Drawn over it: a node that covers
    a gap (the ``gap_covers``), or the line's course just past an end and is like one of those (the end
    dots of a timeline); a shape that merely begins where the line ends may lie under it."""
    node = line.node
    assert isinstance(node, Shape)
    ends = _ends(node)
    outward = (ends[1] - ends[0]) / max(float(np.hypot(*(ends[1] - ends[0]))), 1e-9)
    width = max(node.stroke_width, 1.0)
    tips = [_near(*_samples(np.array([end + step, end + (REACH + 2) * step]), width), line.mask.shape, reach=0)
            for end, step in ((ends[0], -outward), (ends[1], outward))]
    box = node.box
    window = crop_window((int(box.x0), int(box.y0), int(math.ceil(box.x1)), int(math.ceil(box.y1))), REACH + 3,
                         line.mask.shape)
    shows = line.mask[window]
    holds = [k for k, f in enumerate(found) if (f.area[window] & shows).sum() >= HOLDS * shows.sum()]
    over = [k for k, f in enumerate(found) if k not in holds
            and (k in gap_covers or (any(f.area[tip].mean() >= 0.5 for tip in tips)
                                     and any(_alike(f.node, found[c].node) for c in gap_covers)))]
    at = max([min([at, *over]), *(k + 1 for k in holds)])
    return [*found[:at], line, *found[at:]]


def _is_line(f: Found) -> bool:
    return isinstance(f.node, Shape) and f.node.shape == "line" and bool(f.node.points)


def joined_lines(found: list[Found], text: np.ndarray) -> list[Found]:
    """``found`` (bottom to top) with the pieces of each line whose gaps lie under other nodes or ``text``
    joined into one line, drawn under what hides its gaps (:func:`_insert`; text is on top of all)."""
    found = list(found)
    lines = [i for i, f in enumerate(found) if _is_line(f)]
    for i, j in combinations(lines, 2):
        a, b = found[i].node, found[j].node
        assert isinstance(a, Shape) and isinstance(b, Shape)
        gap = _gap(a, b)
        if gap is None:
            continue
        near = _near(*_samples(gap, max(a.stroke_width, 1.0)), text.shape)
        hidden = _under(text, near)
        rest = [f for k, f in enumerate(found) if k not in (i, j)]
        covers = []
        for k, f in enumerate(rest):
            if _is_line(f):
                continue  # another piece of the line: pieces are joined one gap at a time
            if (under := _under(f.area, near)).any():
                covers.append(k)
                hidden |= under
        if hidden.mean() >= MIN_HIDDEN:
            joined = _insert(rest, _joined(found[i], found[j]), i, covers)
            return joined_lines(joined, text)  # and the next piece, if any
    return found
