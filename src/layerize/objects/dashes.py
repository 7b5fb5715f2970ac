"""Dashed lines and frames: rows of short dashes of one colour, evenly spaced along one line, become one
dashed line shape; four such lines meeting at their ends, one unfilled rectangle with a dashed stroke.

Each dash is too small to be a shape of its own (a 3 x 8 px mark), and left
alone the frame of a diagram or a drop zone would stay in the plate as specks.
A run counts only on a plain backdrop (its gaps and both sides one colour,
unlike the dashes), so a striped texture or a row of letters is no dashed line.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from ..primitives.color import channel_max, hex_to_rgb, rgb_to_hex
from ..primitives.masks import dilate
from ..scene import Box, Provenance, Shape
from .base import SAME_COLOR, Found

MAX_DASH_WIDTH = 6
"""Thickest dash (px) across its line."""
MAX_DASH_LENGTH = 40
"""Longest dash (px) along its line."""
MIN_DASHES = 6
"""Fewest dashes a dashed line holds (fewer are a row of marks: bullets, a progress indicator)."""
MIN_SOLID = 0.75
"""Share of its box a dash fills (a bar, not a hook or a letter)."""
MIN_GAP, GAP_RATIO = 2, 3
"""A dashed line's gaps are at least MIN_GAP px (a 1 px break is a line crossing a rule) and at most GAP_RATIO
dashes long, plus a pixel either way (sparser pieces are a line showing between bars, or marks of their own)."""
SPACING_SLACK = 2
"""Pixels by which a dash's length, and a gap's, may differ from the others' in its line."""
BACKDROP_SPREAD, BACKDROP_SHARE, MIN_CONTRAST = 24.0, 0.85, 40.0
"""A dashed line lies on a plain backdrop: this share of the pixels in its gaps and along both its sides is
within BACKDROP_SPREAD (0-255, largest channel) of their median, which differs from the dashes by MIN_CONTRAST."""


@dataclass(frozen=True)
class _Run:
    """A dashed line along an axis (0: horizontal, 1: vertical): its extent along it, its band across it,
    the dashes' colour, length and gap."""

    axis: int
    start: int
    end: int
    low: int
    high: int
    color: np.ndarray
    dash: float
    gap: float

    @property
    def width(self) -> int:
        return self.high - self.low

    @property
    def middle(self) -> float:
        return (self.low + self.high) / 2


def dashed_strokes(image: np.ndarray, labels: np.ndarray, boxes: np.ndarray) -> list[Found]:
    """Dashed lines and frames among the components (``labels``, their ``boxes`` x0, y0, x1, y1) of runs of
    similar pixels: a frame where four lines meet at their ends, else each line on its own."""
    areas = np.bincount(labels.ravel(), minlength=len(boxes))
    sides = boxes[:, 2:] - boxes[:, :2]
    dash = ((sides.min(axis=1) <= MAX_DASH_WIDTH) & (sides.max(axis=1) <= MAX_DASH_LENGTH)
            & (areas >= MIN_SOLID * sides.prod(axis=1)) & (areas >= 2))
    dash[0] = False
    candidates = np.flatnonzero(dash)
    if len(candidates) < MIN_DASHES:
        return []
    index = np.full(len(boxes), -1)  # the candidates' mean colours, indexed by label
    index[candidates] = np.arange(len(candidates))
    at = index[labels]
    pixels, members = image[at >= 0].astype(np.float64), at[at >= 0]
    colors = np.zeros((len(boxes), 3))
    colors[candidates] = np.stack([np.bincount(members, weights=pixels[:, c], minlength=len(candidates))
                                   for c in range(3)], axis=1) / areas[candidates, None]
    runs = [run for axis in (0, 1) for run in _runs(image, boxes, colors, candidates, axis)]
    found, used = [], set()
    for outer, sides, taken in _frames(runs):
        used.update(taken)
        found.append(_found(_rect(outer, sides), image))
    for i, run in enumerate(runs):
        if i not in used:
            found.append(_found(_line(run), image))
    return found


def _runs(image: np.ndarray, boxes: np.ndarray, colors: np.ndarray, candidates: np.ndarray, axis: int
          ) -> list[_Run]:
    """The dashed lines along ``axis`` among the candidate dashes: dashes in one band across it (the same
    edges), of one colour, that follow each other at an even spacing."""
    along, across = (0, 1) if axis == 0 else (1, 0)
    sides = boxes[candidates, 2:] - boxes[candidates, :2]
    lying = candidates[sides[:, along] >= sides[:, across]]
    low, high, start = boxes[lying, across], boxes[lying, 2 + across], boxes[lying, along]
    order = np.lexsort((start, high, low))  # by band, then along it
    lying, low, high = lying[order], low[order], high[order]
    gaps = boxes[lying[1:], along] - boxes[lying[:-1], 2 + along]
    linked = ((low[1:] == low[:-1]) & (high[1:] == high[:-1]) & (gaps >= 1) & (gaps <= MAX_DASH_LENGTH)
              & (np.abs(colors[lying[1:]] - colors[lying[:-1]]).max(axis=1) <= SAME_COLOR))
    starts = np.concatenate([[0], np.flatnonzero(~linked) + 1])  # chains: runs of linked neighbours
    ends = np.concatenate([starts[1:], [len(lying)]])
    runs = []
    for first, last in zip(starts[ends - starts >= MIN_DASHES], ends[ends - starts >= MIN_DASHES]):
        for part in _even_parts(boxes, list(lying[first:last]), along):
            if (run := _run(image, boxes, colors, part, axis)) is not None:
                runs.append(run)
    return runs


def _even_parts(boxes: np.ndarray, chain: list[int], along: int) -> list[list[int]]:
    """The parts of a chain of dashes (in order along the line) that are evenly spaced: a dash of another
    length than most (two run together, a mark between them) or an odd gap parts it. The end dashes of a
    part may be shorter (they meet a corner or were cut)."""
    lengths = boxes[chain, 2 + along] - boxes[chain, along]
    gaps = boxes[chain[1:], along] - boxes[chain[:-1], 2 + along]
    if len(chain) < MIN_DASHES:
        return []
    length, gap = np.median(lengths), np.median(gaps)
    if not MIN_GAP <= gap <= GAP_RATIO * length + 1:
        return []
    parts, part = [], [chain[0]]
    for k in range(1, len(chain)):
        odd_gap = abs(gaps[k - 1] - gap) > SPACING_SLACK
        odd_dash = abs(lengths[k] - length) > SPACING_SLACK and k < len(chain) - 1
        if odd_gap or odd_dash:
            parts.append(part)
            part = []
        if not odd_dash:
            part.append(chain[k])
    parts.append(part)
    return [p for p in parts if len(p) >= MIN_DASHES]


def _run(image: np.ndarray, boxes: np.ndarray, colors: np.ndarray, chain: list[int], axis: int) -> _Run | None:
    """The dashed line an evenly spaced chain of dashes draws, or None when it is not on a plain backdrop."""
    along, across = (0, 1) if axis == 0 else (1, 0)
    lengths = boxes[chain, 2 + along] - boxes[chain, along]
    gaps = boxes[chain[1:], along] - boxes[chain[:-1], 2 + along]
    inner = lengths[1:-1]
    start, end = int(boxes[chain[0], along]), int(boxes[chain[-1], 2 + along])
    low, high = int(np.median(boxes[chain, across])), int(np.median(boxes[chain, 2 + across]))
    color = np.median(colors[chain], axis=0)
    band = image[low:high, start:end] if axis == 0 else image[start:end, low:high].transpose(1, 0, 2)
    reach = max(2, high - low)  # the backdrop's rows beside the band
    before = image[max(0, low - reach):low, start:end] if axis == 0 else image[start:end, max(0, low - reach):low]
    after = image[high:high + reach, start:end] if axis == 0 else image[start:end, high:high + reach]
    in_gaps = np.zeros(end - start, bool)
    for a, b in zip(boxes[chain[:-1], 2 + along], boxes[chain[1:], along]):
        in_gaps[int(a) - start + 1:int(b) - start - 1] = True  # clear of the dashes' anti-aliased ends
    backdrop = np.concatenate([band[:, in_gaps].reshape(-1, 3), before.reshape(-1, 3), after.reshape(-1, 3)])
    if len(backdrop) == 0:
        return None
    median = np.median(backdrop, axis=0)
    plain = (channel_max(np.abs(backdrop.astype(np.float32) - median)) <= BACKDROP_SPREAD).mean()
    if plain < BACKDROP_SHARE or np.abs(median - color).max() < MIN_CONTRAST:
        return None
    return _Run(axis, start, end, low, high, color, float(np.median(inner)), float(np.median(gaps)))


def _alike(a: _Run, b: _Run) -> bool:
    """Whether two runs are dashed alike: one colour, width, dash and gap."""
    return (np.abs(a.color - b.color).max() <= SAME_COLOR and abs(a.width - b.width) <= 1
            and abs(a.dash - b.dash) <= SPACING_SLACK and abs(a.gap - b.gap) <= SPACING_SLACK)


def _sides(runs: list[_Run]) -> list[tuple[_Run, tuple[int, ...]]]:
    """The runs joined where they lie in one band and are dashed alike (a frame's side that a label or a
    logo on it cuts in pieces), each with the indices of its pieces."""
    sides: list[tuple[_Run, tuple[int, ...]]] = []
    for i, run in enumerate(runs):
        k = next((k for k, (side, _) in enumerate(sides) if side.axis == run.axis and _alike(side, run)
                  and abs(side.low - run.low) <= 1 and abs(side.high - run.high) <= 1), None)
        if k is None:
            sides.append((run, (i,)))
            continue
        side, pieces = sides[k]
        sides[k] = (replace(side, start=min(side.start, run.start), end=max(side.end, run.end)), pieces + (i,))
    return sides


def _frames(runs: list[_Run]) -> list[tuple[Box, list[_Run], tuple[int, ...]]]:
    """Rectangles four sides (:func:`_sides`) dashed alike draw: two horizontal ones spanning the same columns
    and two vertical ones spanning the rows between them, each ending within a dash, a gap and a width of
    the others. Each with its outer box, its sides and the indices of the runs it takes."""
    sides = _sides(runs)
    across = [k for k, (side, _) in enumerate(sides) if side.axis == 0]
    down = [k for k, (side, _) in enumerate(sides) if side.axis == 1]
    frames, used = [], set()
    for t in across:
        for b in across:
            top, bottom = sides[t][0], sides[b][0]
            reach = top.dash + top.gap + top.width
            if {t, b} & used or bottom.low <= top.high or not _alike(top, bottom) \
                    or abs(top.start - bottom.start) > reach or abs(top.end - bottom.end) > reach:
                continue
            upright = [k for k in down if k not in used and _alike(sides[k][0], top)
                       and abs(sides[k][0].start - top.low) <= reach and abs(sides[k][0].end - bottom.high) <= reach]
            left = [k for k in upright if abs(sides[k][0].low - min(top.start, bottom.start)) <= reach]
            right = [k for k in upright if abs(sides[k][0].high - max(top.end, bottom.end)) <= reach]
            if not left or not right or left[0] == right[-1]:
                continue
            west, east = sides[left[0]][0], sides[right[-1]][0]
            box = Box(x0=min(top.start, bottom.start, west.low), y0=min(top.low, west.start, east.start),
                      x1=max(top.end, bottom.end, east.high), y1=max(bottom.high, west.end, east.end))
            chosen = (t, b, left[0], right[-1])
            frames.append((box, [sides[k][0] for k in chosen], tuple(i for k in chosen for i in sides[k][1])))
            used.update(chosen)
    return frames


def _found(shape: Shape, image: np.ndarray) -> Found:
    """The shape with the pixels of its stroke's colour along its outline (the dashes, and where two meet at
    a corner), anti-aliased edges included, as mask and area."""
    band = np.zeros(image.shape[:2], np.uint8)
    reach = int(np.ceil(shape.stroke_width / 2)) + 1
    corners = ([shape.points[0], shape.points[-1]] if shape.points else
               [(shape.box.x0, shape.box.y0), (shape.box.x1, shape.box.y0), (shape.box.x1, shape.box.y1),
                (shape.box.x0, shape.box.y1)])
    outline = np.round(np.array(corners) - 0.5).astype(np.int32)
    cv2.polylines(band, [outline], shape.shape != "line", 1, thickness=2 * reach + 1)
    color = np.array(hex_to_rgb(shape.stroke or "#000000"), np.float32)
    ink = (band > 0) & (channel_max(np.abs(image.astype(np.float32) - color)) <= BACKDROP_SPREAD)
    pixels = dilate(ink, 1) & (band > 0)
    return Found(shape, pixels, pixels)


def _rect(outer: Box, sides: list[_Run]) -> Shape:
    """An unfilled rectangle whose dashed stroke, centred on its edge, covers the ``outer`` box."""
    width = float(np.median([run.width for run in sides]))
    half = width / 2
    box = Box(x0=outer.x0 + half, y0=outer.y0 + half, x1=outer.x1 - half, y1=outer.y1 - half)
    return Shape(id="", name="Dashed frame", shape="rect", box=box, stroke=rgb_to_hex(sides[0].color),
                 stroke_width=width, dash=(float(np.median([r.dash for r in sides])),
                                           float(np.median([r.gap for r in sides]))),
                 provenance=Provenance(engine="flat", confidence=0.9))


def _line(run: _Run) -> Shape:
    """A dashed line shape along the middle of a run's band."""
    if run.axis == 0:
        points = [(float(run.start), run.middle), (float(run.end), run.middle)]
        box = Box(x0=run.start, y0=run.low, x1=run.end, y1=run.high)
    else:
        points = [(run.middle, float(run.start)), (run.middle, float(run.end))]
        box = Box(x0=run.low, y0=run.start, x1=run.high, y1=run.end)
    return Shape(id="", name="Dashed line", shape="line", box=box, stroke=rgb_to_hex(run.color),
                 stroke_width=float(run.width), points=points, dash=(run.dash, run.gap),
                 provenance=Provenance(engine="flat", confidence=0.9))
