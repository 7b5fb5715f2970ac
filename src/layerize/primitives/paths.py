"""Closed Bézier paths (a path shape's subpaths): flattening, holes, bounds and coverage.

A subpath is a list of knots ``(before, anchor, after)``: the segment from one
knot to the next is the cubic from its anchor through its ``after`` handle and
the next knot's ``before`` handle; the last knot joins the first. Subpaths fill
by the even-odd rule, as SVG's ``fill-rule="evenodd"`` does.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

Point = tuple[float, float]
Knot = tuple[Point, Point, Point]
Subpath = Sequence[Knot]

CURVE_STEPS = 12
"""Points per cubic segment when a subpath is flattened (straight segments keep only their end)."""


def is_straight(start: Knot, end: Knot) -> bool:
    """Whether the segment from ``start`` to ``end`` is a straight line (both handles on their anchors)."""
    return start[2] == start[1] and end[0] == end[1]


def segments(subpath: Subpath) -> list[tuple[Point, ...]]:
    """The subpath's segments after its first anchor, closing back to it: ``(end,)`` for a straight one,
    ``(handle, handle, end)`` for a cubic (as SVG's ``L`` and ``C`` take them)."""
    return [(end[1],) if is_straight(start, end) else (start[2], end[0], end[1])
            for start, end in zip(subpath, [*subpath[1:], subpath[0]])]


def flatten(subpath: Subpath, steps: int = CURVE_STEPS) -> np.ndarray:
    """The closed subpath as a polygon, an ``(n, 2)`` float array (curves sampled at ``steps`` points)."""
    points = []
    t = np.linspace(0, 1, steps + 1)[1:, None]
    for start, end in zip(subpath, [*subpath[1:], subpath[0]]):
        if is_straight(start, end):
            points.append(np.array([end[1]], np.float64))
            continue
        p0, p1, p2, p3 = (np.array(p, np.float64) for p in (start[1], start[2], end[0], end[1]))
        points.append((1 - t) ** 3 * p0 + 3 * (1 - t) ** 2 * t * p1 + 3 * (1 - t) * t ** 2 * p2 + t ** 3 * p3)
    return np.concatenate(points)


def depths(subpaths: Sequence[Subpath]) -> list[int]:
    """Per subpath, how many of the others it lies inside: an odd depth is a hole (even-odd rule)."""
    polygons = [flatten(s).astype(np.float32) for s in subpaths]
    result = []
    for i, polygon in enumerate(polygons):
        x, y = (float(v) for v in polygon[0])
        result.append(sum(cv2.pointPolygonTest(other, (x, y), False) > 0
                          for j, other in enumerate(polygons) if j != i))
    return result


def bounds(subpaths: Sequence[Subpath]) -> tuple[float, float, float, float]:
    """``(x0, y0, x1, y1)`` around the flattened subpaths."""
    points = np.concatenate([flatten(s) for s in subpaths])
    return (float(points[:, 0].min()), float(points[:, 1].min()), float(points[:, 0].max()),
            float(points[:, 1].max()))


def coverage(subpaths: Sequence[Subpath], size: tuple[int, int], offset: Point = (0.0, 0.0),
             supersample: int = 4) -> np.ndarray:
    """Anti-aliased even-odd coverage (HxW float 0..1) of the subpaths on a grid of ``size`` (height,
    width) whose top-left corner is the canvas point ``offset``."""
    s = supersample
    grid = np.zeros((size[0] * s, size[1] * s), np.uint8)
    shift = 4  # fillPoly's fixed-point bits
    # a grid cell is drawn where its centre lies inside: cell k of a row is the canvas point (k + 0.5) / s
    polygons = [np.rint(((flatten(p) - offset) * s - 0.5) * (1 << shift)).astype(np.int32) for p in subpaths]
    cv2.fillPoly(grid, polygons, 1, lineType=cv2.LINE_8, shift=shift)
    return cv2.resize(grid.astype(np.float32), (size[1], size[0]), interpolation=cv2.INTER_AREA)


def dashes(points: np.ndarray, closed: bool, dash: float, gap: float) -> list[np.ndarray]:
    """The pieces (``(k, 2)`` polylines) that a ``dash`` long, ``gap`` apart dash pattern keeps of the
    polyline ``points`` from its first point on (closed: round to it again), as SVG's ``stroke-dasharray``."""
    track = np.concatenate([points, points[:1]]) if closed else points
    steps = np.hypot(*np.diff(track, axis=0).T)
    at = np.concatenate([[0.0], np.cumsum(steps)])
    pieces = []
    for start in np.arange(0.0, at[-1], dash + gap):
        end = min(start + dash, at[-1])
        inner = track[1:-1][(at[1:-1] > start) & (at[1:-1] < end)]
        ends = [np.array([np.interp(t, at, track[:, 0]), np.interp(t, at, track[:, 1])]) for t in (start, end)]
        pieces.append(np.vstack([ends[0], inner, ends[1]]))
    return pieces


def widened(piece: np.ndarray, width: float) -> np.ndarray:
    """The outline (a closed ``(2k, 2)`` polygon) of an open polyline drawn ``width`` wide with butt ends,
    its bends mitred."""
    direction = np.diff(piece, axis=0)
    direction /= np.maximum(np.hypot(*direction.T), 1e-9)[:, None]
    normal = np.column_stack([-direction[:, 1], direction[:, 0]])
    at_points = np.vstack([normal[:1], normal[:-1] + normal[1:], normal[-1:]])
    at_points /= np.maximum(np.hypot(*at_points.T), 1e-9)[:, None]
    reach = np.vstack([[1.0], (at_points[1:-1] * normal[1:]).sum(axis=1, keepdims=True), [1.0]])
    offset = at_points * (width / 2 / np.maximum(reach, 0.25))  # a mitre, at most four half widths out
    return np.vstack([piece + offset, (piece - offset)[::-1]])
