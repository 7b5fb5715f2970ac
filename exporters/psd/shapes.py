"""Shape layers: solid-colour fill layers clipped to a vector mask, with their pixels.

A scene shape becomes one such layer per paint: its fill, and its stroke as a
ring (the outline grown and shrunk by half the stroke width), so every reader
shows it without drawing strokes. Outlines are cubic Béziers in canvas pixels;
the same curves go into the vector mask (what Photoshop edits and psd-tools
draws) and, rasterised as psd-tools rasterises them, into the layer's pixels
(what readers without vectors show). Conventions as in :mod:`layerize_exporters._common`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image
from psd_tools.composite import scanline
from psd_tools.constants import Tag
from psd_tools.psd.descriptor import Descriptor, DescriptorBlock, Double
from psd_tools.psd.tagged_blocks import TaggedBlock
from psd_tools.psd.vector import ClosedKnotLinked, ClosedPath, InitialFillRule, Path, PathFillRule, VectorMaskSetting

from layerize.primitives.color import hex_to_rgb
from layerize.scene import Shape

from .._common import line_endpoints, shape_paint

KAPPA = 0.5522847498
"""Handle length of a cubic Bézier quarter circle, as a fraction of the radius."""

Point = tuple[float, float]


@dataclass(frozen=True)
class Knot:
    """A Bézier anchor with its incoming and outgoing handles, in canvas pixels."""

    before: Point
    anchor: Point
    after: Point


@dataclass(frozen=True)
class Outline:
    """A closed subpath; ``subtract`` cuts it out of the outlines before it."""

    knots: tuple[Knot, ...]
    subtract: bool = False


@dataclass(frozen=True)
class Paint:
    """One layer's worth of a shape: a name, a colour and the region it covers."""

    name: str
    color: str
    outlines: tuple[Outline, ...]


def _corner(x: float, y: float) -> Knot:
    return Knot((x, y), (x, y), (x, y))


def rounded_rect(x0: float, y0: float, x1: float, y1: float, radius: float) -> tuple[Knot, ...]:
    """A rectangle, its corners rounded by ``radius`` (clamped to half the short side), clockwise."""
    r = min(max(radius, 0.0), (x1 - x0) / 2, (y1 - y0) / 2)
    if r <= 0:
        return (_corner(x0, y0), _corner(x1, y0), _corner(x1, y1), _corner(x0, y1))
    h = r * KAPPA
    return (
        Knot((x0 + r - h, y0), (x0 + r, y0), (x0 + r, y0)), Knot((x1 - r, y0), (x1 - r, y0), (x1 - r + h, y0)),
        Knot((x1, y0 + r - h), (x1, y0 + r), (x1, y0 + r)), Knot((x1, y1 - r), (x1, y1 - r), (x1, y1 - r + h)),
        Knot((x1 - r + h, y1), (x1 - r, y1), (x1 - r, y1)), Knot((x0 + r, y1), (x0 + r, y1), (x0 + r - h, y1)),
        Knot((x0, y1 - r + h), (x0, y1 - r), (x0, y1 - r)), Knot((x0, y0 + r), (x0, y0 + r), (x0, y0 + r - h)),
    )


def ellipse(x0: float, y0: float, x1: float, y1: float) -> tuple[Knot, ...]:
    """The ellipse inscribed in a box, as four Bézier quarters, clockwise from the top."""
    cx, cy, rx, ry = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2
    hx, hy = rx * KAPPA, ry * KAPPA
    return (
        Knot((cx - hx, y0), (cx, y0), (cx + hx, y0)), Knot((x1, cy - hy), (x1, cy), (x1, cy + hy)),
        Knot((cx + hx, y1), (cx, y1), (cx - hx, y1)), Knot((x0, cy + hy), (x0, cy), (x0, cy - hy)),
    )


def _closed(shape: Shape, grow: float) -> tuple[Knot, ...] | None:
    """The outline of a rect, ellipse or polygon grown by ``grow`` on every side; None when it vanishes.

    Polygons are not grown (their stroke ring is left out).
    """
    if shape.shape == "polygon" and shape.points:
        return tuple(_corner(x, y) for x, y in shape.points) if grow == 0 else None
    b = shape.box
    x0, y0, x1, y1 = b.x0 - grow, b.y0 - grow, b.x1 + grow, b.y1 + grow
    if x1 - x0 <= 0 or y1 - y0 <= 0:
        return None
    if shape.shape == "ellipse":
        return ellipse(x0, y0, x1, y1)
    return rounded_rect(x0, y0, x1, y1, shape.corner_radius + grow if shape.corner_radius > 0 else 0.0)


def shape_paints(shape: Shape) -> list[Paint]:
    """The layers a shape becomes, bottom to top: its fill, then its stroke (or a line's rule)."""
    paint = shape_paint(shape)
    if shape.shape == "line":  # a quad around the segment, in any direction
        x1, y1, x2, y2 = line_endpoints(shape)
        half = paint.stroke_width / 2
        length = math.hypot(x2 - x1, y2 - y1) or 1.0
        nx, ny = -(y2 - y1) / length * half, (x2 - x1) / length * half
        quad = tuple(_corner(x, y) for x, y in ((x1 + nx, y1 + ny), (x2 + nx, y2 + ny),
                                                (x2 - nx, y2 - ny), (x1 - nx, y1 - ny)))
        return [Paint(shape.name, paint.stroke, (Outline(quad),))] if paint.stroke else []
    paints = []
    if paint.fill:
        paints.append(Paint(shape.name, paint.fill, (Outline(_closed(shape, 0.0)),)))
    if paint.stroke:
        half = paint.stroke_width / 2
        ring = [Outline(_closed(shape, half))]
        inner = _closed(shape, -half)
        if inner is not None:
            ring.append(Outline(inner, subtract=True))
        paints.append(Paint(f"{shape.name} (stroke)" if paint.fill else shape.name, paint.stroke, tuple(ring)))
    return paints


# ----------------------------------------------------------------------------- pixels


def _polyline(knots: tuple[Knot, ...], offset: Point) -> np.ndarray:
    """A closed Bézier outline flattened to an ``(n, 2)`` polygon, shifted by ``-offset``."""
    def points(which: list[Point]) -> np.ndarray:
        return np.array(which, dtype=np.float64) - offset

    following = knots[1:] + knots[:1]
    return scanline.flatten_cubics(points([k.anchor for k in knots]), points([k.after for k in knots]),
                                   points([k.before for k in following]), points([k.anchor for k in following]))


def paint_pixels(paint: Paint) -> tuple[Image.Image, tuple[int, int]]:
    """The paint's exact pixel coverage (psd-tools' own rasteriser): an RGBA image and its canvas offset.

    Outlines combine as the vector mask's operations do: union, or subtract.
    """
    xs = [k.anchor[0] for o in paint.outlines for k in o.knots]
    ys = [k.anchor[1] for o in paint.outlines for k in o.knots]
    left, top = math.floor(min(xs)), math.floor(min(ys))
    width, height = max(1, math.ceil(max(xs)) - left), max(1, math.ceil(max(ys)) - top)
    coverage = np.zeros((height, width), np.float32)
    for outline in paint.outlines:
        plane = scanline.fill_coverage([_polyline(outline.knots, (left, top))], width, height)
        coverage = np.maximum(0, coverage - plane) if outline.subtract else coverage + plane - coverage * plane
    image = Image.new("RGBA", (width, height), hex_to_rgb(paint.color))
    image.putalpha(Image.fromarray(np.clip(coverage * 255 + 0.5, 0, 255).astype(np.uint8)))
    return image, (left, top)


# ----------------------------------------------------------------------------- tagged blocks


def color_descriptor(color: str) -> Descriptor:
    """An ``RGBC`` colour descriptor: red, green and blue as 0..255 doubles."""
    result = Descriptor(classID=b"RGBC")
    for key, value in zip((b"Rd  ", b"Grn ", b"Bl  "), hex_to_rgb(color)):
        result[key] = Double(float(value))
    return result


def fill_blocks(paint: Paint, size: tuple[int, int]) -> list[TaggedBlock]:
    """The ``SoCo`` (fill colour) and ``vmsk`` (vector mask) blocks of a shape layer on a canvas of ``size``."""
    soco = DescriptorBlock(classID=b"null")
    soco[b"Clr "] = color_descriptor(paint.color)
    width, height = size

    def relative(point: Point) -> tuple[float, float]:
        return point[1] / height, point[0] / width  # (y, x) as fractions of the canvas

    subpaths = [ClosedPath(items=[ClosedKnotLinked(relative(k.before), relative(k.anchor), relative(k.after))
                                  for k in outline.knots], operation=2 if outline.subtract else 1)
                for outline in paint.outlines]
    path = Path([PathFillRule(), InitialFillRule(0), *subpaths])
    vmsk = VectorMaskSetting(version=3, flags=0, path=path)
    return [TaggedBlock(key=Tag.SOLID_COLOR_SHEET_SETTING, data=soco),
            TaggedBlock(key=Tag.VECTOR_MASK_SETTING1, data=vmsk)]
