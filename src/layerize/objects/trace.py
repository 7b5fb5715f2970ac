"""Flat graphics (icons, logos, flat illustrations) traced into native path shapes, where the trace is faithful.

A picture the segmenters cut out is traced when a few flat colours explain its
pixels: each colour's pixels are traced by ``vtracer`` (binary mode, splines)
into closed Bézier subpaths, the first (most used) colour over the whole
silhouette and each other colour over its own pixels grown by one, stacked in
that order so no seam shows between them. The trace is drawn back and compared
with the picture (:func:`trace_fidelity`); below :data:`MIN_FIDELITY` the
picture stays a picture. Holes stay holes (even-odd subpaths).
"""

from __future__ import annotations

import re

import cv2
import numpy as np
import vtracer

from ..primitives.color import colour_distances, flat_colours, rgb_to_hex
from ..primitives.masks import dilate, erode
from ..primitives.paths import Knot, bounds, coverage
from ..scene import ImageObject, Provenance, Shape
from .base import HINT_ENGINE, Found, to_box
from .borders import DOUBLE_DE, blend_distance, delta_e

MAX_COLORS = 4
"""Most flat colours a traced graphic may have."""
COLOR_SPREAD = 24.0
"""Largest distance (0-255, per channel) of a solid pixel from its colour for the graphic to be flat."""
FLAT_SHARE = 0.97
"""Share of the solid pixels that must lie within :data:`COLOR_SPREAD` of one of the colours."""
TIGHT_SPREAD, TIGHT_SHARE = 8.0, 0.8
"""Flat paint sits on its colours: this share of the solid pixels lies within ``TIGHT_SPREAD`` of one."""
EDGE_CORE = 0.1
"""Largest share of a colour's pixels with all 8 neighbours of that colour for it to be a mere edge."""
MIN_FIDELITY = 0.9
"""Smallest :func:`trace_fidelity` of a trace that replaces its picture."""
MAX_TRACE_SIDE = 1024
"""Longest side of a picture that is traced (larger ones are no icon)."""
UPSCALE, MAX_UPSCALED_SIDE = 4, 256
"""A small picture whose trace is not faithful is traced again from masks UPSCALE times its size: an icon
drawn with 1-2 px strokes (a heart outline, a chevron) is mostly anti-aliased edge, which a mask at its own
size makes lumpy."""

_NUMBER = r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?"
_PATH = re.compile(r'<path d="([^"]*)"[^>]*?transform="translate\((' + _NUMBER + r'),(' + _NUMBER + r')\)"')


def palette(rgba: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The fewest flat colours (k x 3) explaining the solid pixels of ``rgba``, and each opaque pixel's
    colour index (HxW, -1 where transparent); None when no :data:`MAX_COLORS` colours do."""
    alpha = rgba[..., 3]
    solid = rgba[alpha > 242][:, :3]
    if len(solid) < 16:
        return None
    centres = flat_colours(solid, MAX_COLORS, COLOR_SPREAD, FLAT_SHARE)
    if centres is None:
        return None
    spread = colour_distances(solid, centres).min(axis=1)
    if (spread <= TIGHT_SPREAD).mean() < TIGHT_SHARE:
        return None  # shading (a gradient posterised into bands), not flat paint
    k = len(centres)
    nearest = colour_distances(rgba[..., :3], centres).argmin(axis=2)
    order = np.argsort(-np.bincount(nearest[alpha > 127], minlength=k))  # most used first
    ranks = np.argsort(order)[nearest]
    index = np.where(alpha > 127, ranks, -1)
    colors = np.rint(centres[order])
    if any(_edge_band(colors, index, c) for c in range(k)):
        return None  # a colour that only rims the others: anti-aliasing, drawn as a band of its own
    return one_paint_each(colors, index)


def one_paint_each(colors: np.ndarray, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``colors`` (most used first) and ``index`` with each colour within :data:`DOUBLE_DE` of a more used
    one folded into it: two paths a designer could not tell apart are one path."""
    keep: list[int] = []
    into = np.arange(len(colors))
    for c in range(len(colors)):
        same = [k for k in keep if delta_e(rgb_to_hex(colors[c]), rgb_to_hex(colors[k])) < DOUBLE_DE]
        if same:
            into[c] = same[0]
        else:
            keep.append(c)
    if len(keep) == len(colors):
        return colors, index
    rank = {c: r for r, c in enumerate(keep)}
    lookup = np.array([rank[int(into[c])] for c in range(len(colors))] + [-1])
    return colors[keep], lookup[index]


def _edge_band(colors: np.ndarray, index: np.ndarray, c: int) -> bool:
    """Whether colour ``c`` is a blend of two others whose pixels are all edge (none has its 3x3 in it)."""
    own = index == c
    core = erode(own, 1)
    if core.sum() > EDGE_CORE * own.sum():
        return False
    others = [o for o in range(len(colors)) if o != c]
    return any(blend_distance(colors[c], colors[a], colors[b]) <= TIGHT_SPREAD
               for i, a in enumerate(others) for b in others[i + 1:])


def _subpaths(svg: str, offset: tuple[float, float]) -> list[list[Knot]]:
    """The closed subpaths of vtracer's SVG (absolute M, L, C, Z in translated paths), shifted by ``offset``."""
    result: list[list[Knot]] = []
    for data, tx, ty in _PATH.findall(svg):
        dx, dy = float(tx) + offset[0], float(ty) + offset[1]
        for part in re.findall(r"M[^M]*", data):
            tokens = re.findall(r"[MLCZ]|" + _NUMBER, part)
            knots: list[list[tuple[float, float]]] = []
            i, command = 0, ""
            while i < len(tokens):
                if tokens[i] in "MLCZ":
                    command, i = tokens[i], i + 1
                    continue
                count = 6 if command == "C" else 2
                values = [float(v) for v in tokens[i:i + count]]
                i += count
                points = [(values[j] + dx, values[j + 1] + dy) for j in range(0, count, 2)]
                if command == "C" and knots:
                    knots[-1][2] = points[0]
                    knots.append([points[1], points[2], points[2]])
                else:
                    knots.append([points[-1], points[-1], points[-1]])
            if len(knots) > 1 and knots[-1][1] == knots[0][1]:  # closed on its start: one knot
                knots[0][0] = knots.pop()[0]
            if len(knots) >= 3:
                result.append([(a, b, c) for a, b, c in knots])
    return result


def trace_mask(mask: np.ndarray, offset: tuple[float, float], scale: int = 1) -> list[list[Knot]]:
    """The outline of a boolean mask as closed Bézier subpaths in canvas pixels (its top-left at ``offset``);
    the mask may be ``scale`` times the canvas's resolution."""
    h, w = mask.shape
    pixels = np.where(mask, 0, 255).astype(np.uint8)
    rgba = [(int(v), int(v), int(v), 255) for v in pixels.ravel()]
    svg = vtracer.convert_pixels_to_svg(rgba, (w, h), colormode="binary", mode="spline", filter_speckle=2 * scale,
                                        corner_threshold=60, length_threshold=4.0 * scale, splice_threshold=45,
                                        path_precision=3)
    if scale == 1:
        return _subpaths(svg, offset)

    def scaled(point: tuple[float, float]) -> tuple[float, float]:
        return point[0] / scale + offset[0], point[1] / scale + offset[1]

    return [[(scaled(a), scaled(b), scaled(c)) for a, b, c in subpath] for subpath in _subpaths(svg, (0.0, 0.0))]


def _layers(rgba: np.ndarray, colors: np.ndarray, index: np.ndarray, offset: tuple[float, float], scale: int
            ) -> list[tuple[np.ndarray, list[list[Knot]]]]:
    """Per colour, its subpaths: the first over the whole silhouette (the picture's alpha), each other over
    its own pixels grown by one; traced from masks ``scale`` times the picture's size (the coverage
    resampled, so a 1-2 px stroke keeps its width and its curve)."""
    alpha = np.pad(rgba[..., 3].astype(np.float32) / 255, 1)  # room around the outline for the tracer
    padded = np.pad(index, 1, constant_values=-1)
    origin = (offset[0] - 1, offset[1] - 1)
    layers = []
    for k, color in enumerate(colors):
        area = alpha > 0.5 if k == 0 else dilate(padded == k, 1) & (padded >= 0)
        if scale > 1:
            soft = alpha if k == 0 else area.astype(np.float32)
            area = cv2.resize(soft, (soft.shape[1] * scale, soft.shape[0] * scale), interpolation=cv2.INTER_CUBIC) > 0.5
        subpaths = trace_mask(area, origin, scale)
        if subpaths:
            layers.append((color.astype(np.float32), subpaths))
    return layers


def trace_fidelity(rgba: np.ndarray, layers: list[tuple[np.ndarray, list[list[Knot]]]],
                   offset: tuple[float, float]) -> float:
    """How well the stacked ``layers`` (colour, subpaths) redraw ``rgba`` (0..1): 1 minus the mean
    premultiplied colour error over the pixels either covers, times the share of those pixels where both
    agree on being opaque, a disagreement within a pixel of the picture's own edge forgiven."""
    shape = rgba.shape[:2]
    drawn = np.zeros(shape + (3,), np.float32)
    alpha = np.zeros(shape, np.float32)
    for color, subpaths in layers:
        cover = coverage(subpaths, shape, offset)
        drawn = drawn * (1 - cover[..., None]) + color[None, None] * cover[..., None]
        alpha = alpha + cover * (1 - alpha)
    want_alpha = rgba[..., 3].astype(np.float32) / 255
    want = rgba[..., :3].astype(np.float32) * want_alpha[..., None]
    care = (alpha > 0.1) | (want_alpha > 0.1)
    if not care.any():
        return 0.0
    error = float(np.abs(drawn - want)[care].mean()) / 255
    opaque, wanted = alpha > 0.5, want_alpha > 0.5
    edge = dilate(wanted, 1) & dilate(~wanted, 1)
    wrong = ((opaque != wanted) & ~edge).sum()
    return (1 - error) * (1 - float(wrong) / max(int((opaque | wanted).sum()), 1))


def trace_object(found: Found) -> list[Found] | None:
    """Path shapes (bottom to top) redrawing a flat picture faithfully, or None to keep the picture."""
    node = found.node
    assert isinstance(node, ImageObject)
    rgba = np.asarray(node.image.convert("RGBA"))
    if max(rgba.shape[:2]) > MAX_TRACE_SIDE or rgba.shape[0] < 4 or rgba.shape[1] < 4:
        return None
    flat = palette(rgba)
    if flat is None:
        return None
    colors, index = flat
    offset = (node.box.x0, node.box.y0)
    layers = _layers(rgba, colors, index, offset, 1)
    fidelity = trace_fidelity(rgba, layers, offset) if layers else 0.0
    if fidelity < MIN_FIDELITY and max(rgba.shape[:2]) <= MAX_UPSCALED_SIDE:  # thin strokes: finer
        finer = _layers(rgba, colors, index, offset, UPSCALE)
        if finer and (finer_fidelity := trace_fidelity(rgba, finer, offset)) > fidelity:
            layers, fidelity = finer, finer_fidelity
    if fidelity < MIN_FIDELITY:
        return None
    title = node.name if len(layers) == 1 else f"{node.name} path"
    return [Found(Shape(id="", name=title, shape="path", box=to_box(*bounds(subpaths)), fill=rgb_to_hex(color),
                        subpaths=subpaths,
                        provenance=Provenance(engine="vtracer", confidence=round(fidelity, 3))),
                  found.mask, found.area) for color, subpaths in layers]


def traced(found: list[Found]) -> list[Found]:
    """``found`` with each flat picture replaced, in its place, by its path shapes where they redraw it
    faithfully; an object the user asked for stays a picture."""
    result = []
    for f in found:
        paths = trace_object(f) if isinstance(f.node, ImageObject) and f.node.provenance.engine != HINT_ENGINE else None
        result.extend(paths or [f])
    return result
