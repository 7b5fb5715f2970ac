"""Outlines and paints: a flat region fitted with a rectangle, rounded rectangle, ellipse or polygon,
and the solid or gradient fill of its pixels."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageDraw

from ..primitives.color import rgb_to_hex
from ..primitives.planes import fit_plane
from ..scene import Gradient

PRIMITIVE_FIT = 0.9
"""Fit (IoU) above which a region is a rectangle, ellipse or rounded rectangle rather than a polygon."""
MAX_TIP = 8.0
"""Farthest (px) a polygon vertex moves to where its edges meet (:func:`_sharpened`)."""
SHORT_EDGE = 4.0
"""Length (px) under which a polygon edge between two turns is a blunted tip, not an edge of its own."""
SUPERSAMPLE = 4
"""Supersampling of the rasterised outlines that shapes are fitted with and photos are cut by."""


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


def _sharpened(points: tuple[tuple[int, int], ...], contour: np.ndarray,
               box: tuple[float, float, float, float]) -> tuple[tuple[float, float], ...]:
    """Polygon vertices (a subset of ``contour``, boundary pixel centres) moved to where lines fitted to
    their edges meet, half a pixel out on the region's edge: a sharp tip (an arrow's head, a star's
    point) whose anti-aliased end the flat region lost comes back, and an edge shorter than
    :data:`SHORT_EDGE` (a blunted tip) gives way to the meeting of its neighbours. Where edges barely
    turn, or meet far off, the vertices keep their places stretched onto the ``box`` (:func:`_onto_edges`)."""
    track = contour[:, 0].astype(np.float64)
    index = {tuple(p): i for i, p in enumerate(contour[:, 0].tolist())}
    at = [index[p] for p in points]
    n, centre = len(at), track.mean(axis=0)
    lines = []
    for k, start in enumerate(at):
        end = at[(k + 1) % n]
        run = track[np.arange(start, end + (len(track) if end <= start else 0) + 1) % len(track)]
        trim = len(run) // 5  # the corners round off: fit the middle of the edge
        run = run[trim:len(run) - trim] if len(run) - 2 * trim >= 3 else run
        vx, vy, x0, y0 = (float(v) for v in cv2.fitLine(run.astype(np.float32), cv2.DIST_L2, 0, 0.01, 0.01).ravel())
        normal = np.array([-vy, vx])
        if normal @ (centre - (x0, y0)) > 0:
            normal = -normal
        length = float(np.hypot(*np.subtract(points[(k + 1) % n], points[k])))
        lines.append((np.array([x0, y0]) + 0.5 + 0.5 * normal, np.array([vx, vy]), length))
    kept = [k for k in range(n) if lines[k][2] >= SHORT_EDGE]
    if len(kept) < 3:
        kept = list(range(n))
    fallback = _onto_edges(points, box)
    result: list[tuple[float, float]] = []
    for a, b in zip([kept[-1], *kept[:-1]], kept):
        between = [(a + 1 + m) % n for m in range((b - a - 1) % n + 1)]  # the vertices from edge a to edge b
        (p, d, _), (q, e, _) = lines[a], lines[b]
        cross = d[0] * e[1] - d[1] * e[0]
        if abs(cross) >= 0.1:  # the edges turn by 6 degrees or more
            meet = p + d * ((q - p)[0] * e[1] - (q - p)[1] * e[0]) / cross
            near = np.mean([points[m] for m in between], axis=0) + 0.5
            if np.hypot(*(meet - near)) <= MAX_TIP:
                result.append((float(meet[0]), float(meet[1])))
                continue
        result.extend(fallback[m] for m in between)
    return tuple(result)


def fit_outline(filled: np.ndarray, contour: np.ndarray, care: np.ndarray, primitives_only: bool = False) -> Outline:
    """The outline that best matches the region ``filled`` (IoU over the ``care`` pixels).

    Rectangle, ellipse and rounded rectangle come first; a polygon only where
    none of them fits to :data:`PRIMITIVE_FIT` (and not at all with ``primitives_only``). A more complex
    candidate must leave clearly less mismatch than a simpler one.
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
    if best.fit >= PRIMITIVE_FIT or primitives_only:
        return best
    perimeter = cv2.arcLength(contour, True)
    polygons = {tuple(map(tuple, cv2.approxPolyDP(contour, eps, True)[:, 0])) for eps in (1.0, 0.01 * perimeter)}
    candidates = [scored(_polygon(_sharpened(points, contour, box)))
                  for points in sorted(polygons, key=len) if 3 <= len(points) <= 16]
    polygon = _simplest(candidates, 1 / 2) if candidates else best
    return polygon if polygon.fit > best.fit else best


def _polygon(points: tuple[tuple[float, float], ...]) -> Outline:
    """A polygon outline whose box is its points' extent."""
    xs, ys = [x for x, _ in points], [y for _, y in points]
    return Outline("polygon", (min(xs), min(ys), max(xs), max(ys)), points=points)


def fill_paint(image: np.ndarray, mask: np.ndarray) -> tuple[str, Gradient | None, float]:
    """Solid colour of the ``mask`` pixels, or a linear gradient where the colour runs smoothly across them.

    The third value is the largest per-channel std-dev left after the linear fit (0: a perfect fill).
    """
    ys, xs = np.nonzero(mask)
    step = max(1, len(ys) // 4000)
    ys, xs = ys[::step], xs[::step]
    colors = image[ys, xs].astype(np.float64)
    median = np.median(colors, axis=0)
    dx, dy = xs - xs.mean(), ys - ys.mean()  # centred: the plane's constant is the colour at the centre
    plane = fit_plane(dx, dy, colors)
    slope, centre = plane.slope, plane.coef[2]
    direction = np.linalg.svd(slope)[0][:, 0]  # where the colour changes most
    angle = math.atan2(direction[1], direction[0])
    along = dx * direction[0] + dy * direction[1]
    span = float(along.max() - along.min()) if len(along) else 0.0
    change = direction @ slope * span
    residual = float((colors - plane.at(dx, dy)).std(axis=0).max())
    if np.abs(change).max() < 12:
        return rgb_to_hex(median), None, residual
    start = centre + direction @ slope * float(along.min())
    end = centre + direction @ slope * float(along.max())
    gradient = Gradient(start=rgb_to_hex(start), end=rgb_to_hex(end), angle=round(math.degrees(angle), 2))
    return rgb_to_hex((start + end) / 2), gradient, residual

