"""Shape layers: solid-colour or gradient fill layers clipped to a vector mask, with their pixels.

A scene shape becomes one such layer per paint: its fill, and its stroke as a
ring (the outline grown and shrunk by half the stroke width; a polygon's
corners mitred as SVG's are, bevelled past :data:`MITER_LIMIT`; a dashed one as one outline per dash), so
every reader shows it without drawing strokes. Outlines are cubic Béziers in canvas
pixels; the same curves go into the vector mask (what Photoshop edits and
psd-tools draws) and, rasterised as psd-tools rasterises them, into the
layer's pixels (what readers without vectors show).

A solid fill is a ``SoCo`` block; a gradient fill is a ``GdFl`` block (what
Photoshop writes for a gradient fill layer): a linear gradient aligned to the
layer, its angle counted counter-clockwise. Its pixels are the gradient as
:func:`layerize.render.gradient_image` lays it across the shape's box (as the
SVG and PPTX exporters do), under the shape's coverage. Photoshop and
psd-tools lay an aligned gradient across the layer's box by their own rule,
which agrees with that for angles that are multiples of 90°.
Conventions as in :mod:`layerize_exporters._common`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image
from psd_tools.constants import Tag
from psd_tools.psd.descriptor import Bool, DescriptorBlock
from psd_tools.psd.tagged_blocks import TaggedBlock
from psd_tools.psd.vector import ClosedKnotLinked, ClosedPath, InitialFillRule, Path, PathFillRule, VectorMaskSetting
from psd_tools.terminology import Unit

from layerize.primitives.color import hex_to_rgb
from layerize.primitives.paths import dashes, depths, flatten, widened
from layerize.render import gradient_image, line_endpoints
from layerize.scene import Box, Gradient, Shape

from .._common import shape_paint
from .descriptors import color_descriptor, descriptor, enum, gradient_angle, gradient_descriptor, unit

KAPPA = 0.5522847498
"""Handle length of a cubic Bézier quarter circle, as a fraction of the radius."""

MITER_LIMIT = 4.0
"""SVG's default ``stroke-miterlimit``: a polygon corner whose mitre would reach further out, in half
stroke widths, is bevelled, as SVG (and so the SVG export) draws it."""

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
    """One layer's worth of a shape: a name, a colour and the region it covers.

    With a ``gradient`` the layer is a gradient fill laid across ``frame`` (the
    shape's box); ``color`` is then unused.
    """

    name: str
    color: str
    outlines: tuple[Outline, ...]
    gradient: Gradient | None = None
    frame: Box | None = None


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


def _polygon_points(points: list[tuple[float, float]]) -> list[Point]:
    """The polygon's corners without repeats (a closing repeat of the first included)."""
    corners: list[Point] = []
    for point in points:
        if not corners or point != corners[-1]:
            corners.append(point)
    if len(corners) > 1 and corners[0] == corners[-1]:
        corners.pop()
    return corners


def _signed_area(points: list[Point]) -> float:
    """Shoelace area: positive when the points run clockwise on screen (y down)."""
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1])) / 2


def offset_polygon(points: list[tuple[float, float]], grow: float) -> list[Point] | None:
    """A simple polygon's outline (edges that do not cross) moved ``grow`` px outwards (inwards when
    negative), its corners mitred.

    A corner on the outer side of the move whose mitre reaches beyond
    :data:`MITER_LIMIT` half widths is bevelled. None when the polygon has no
    area, or shrinking turns an edge around (nothing is left there).
    """
    corners = _polygon_points(points)
    area = _signed_area(corners) if len(corners) >= 3 else 0.0
    if abs(area) < 1e-9:
        return None
    turn = 1.0 if area > 0 else -1.0  # the winding's sign: the outward normal of edge (dx, dy) is turn * (dy, -dx)
    following = corners[1:] + corners[:1]
    normals = []
    for (x0, y0), (x1, y1) in zip(corners, following):
        length = math.hypot(x1 - x0, y1 - y0)
        normals.append((turn * (y1 - y0) / length, turn * -(x1 - x0) / length))
    moved: list[list[Point]] = []  # each corner's one (mitre) or two (bevel) points
    for i, (x, y) in enumerate(corners):
        (ax, ay), (bx, by) = normals[i - 1], normals[i]  # the edges into and out of this corner
        cos = ax * bx + ay * by
        convex = (ax * by - ay * bx) * turn > 0  # the outline turns with its winding here
        if convex == (grow > 0) and (cos <= -1 + 1e-9 or math.sqrt(2 / (1 + cos)) > MITER_LIMIT):
            moved.append([(x + grow * ax, y + grow * ay), (x + grow * bx, y + grow * by)])
        else:
            scale = grow / (1 + cos)
            moved.append([(x + scale * (ax + bx), y + scale * (ay + by))])
    if grow < 0:
        for i, ((x0, y0), (x1, y1)) in enumerate(zip(corners, following)):
            (u0, v0), (u1, v1) = moved[i][-1], moved[(i + 1) % len(moved)][0]
            if (u1 - u0) * (x1 - x0) + (v1 - v0) * (y1 - y0) <= 0:
                return None
    return [point for corner in moved for point in corner]


def _closed(shape: Shape, grow: float) -> tuple[Knot, ...] | None:
    """The outline of a rect, ellipse or polygon grown by ``grow`` on every side; None when it vanishes."""
    if shape.shape == "polygon" and shape.points:
        if grow == 0:
            return tuple(_corner(x, y) for x, y in shape.points)
        moved = offset_polygon(shape.points, grow)
        return None if moved is None else tuple(_corner(x, y) for x, y in moved)
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
        if shape.dash:
            return [Paint(shape.name, paint.stroke, _dashed(np.array([(x1, y1), (x2, y2)]), False, shape.dash,
                                                            paint.stroke_width))] if paint.stroke else []
        quad = tuple(_corner(x, y) for x, y in ((x1 + nx, y1 + ny), (x2 + nx, y2 + ny),
                                                (x2 - nx, y2 - ny), (x1 - nx, y1 - ny)))
        return [Paint(shape.name, paint.stroke, (Outline(quad),))] if paint.stroke else []
    if shape.shape == "path" and shape.subpaths:  # no stroke (see Shape)
        # outermost first: a hole is cut from what lies around it, an island in a hole added back after it
        nested = sorted(zip(depths(shape.subpaths), range(len(shape.subpaths))))
        outlines = tuple(Outline(tuple(Knot(*knot) for knot in shape.subpaths[i]), subtract=depth % 2 == 1)
                         for depth, i in nested)
        return [Paint(shape.name, paint.fill or shape.gradient.start, outlines, gradient=shape.gradient,
                      frame=shape.box)] if paint.fill or shape.gradient else []
    paints = []
    filled = bool(paint.fill or shape.gradient)
    if shape.gradient:
        paints.append(Paint(shape.name, paint.fill or shape.gradient.start, (Outline(_closed(shape, 0.0)),),
                            gradient=shape.gradient, frame=shape.box))
    elif paint.fill:
        paints.append(Paint(shape.name, paint.fill, (Outline(_closed(shape, 0.0)),)))
    outer = _closed(shape, paint.stroke_width / 2) if paint.stroke else None
    centre = _closed(shape, 0.0) if paint.stroke and shape.dash else None
    if paint.stroke and shape.dash and centre is not None:
        paints.append(Paint(f"{shape.name} (stroke)" if filled else shape.name, paint.stroke, _dashed(
            flatten([(k.before, k.anchor, k.after) for k in centre]), True, shape.dash, paint.stroke_width)))
    elif paint.stroke and outer is not None:
        ring = [Outline(outer)]
        inner = _closed(shape, -paint.stroke_width / 2)
        if inner is not None:
            ring.append(Outline(inner, subtract=True))
        paints.append(Paint(f"{shape.name} (stroke)" if filled else shape.name, paint.stroke, tuple(ring)))
    return paints


def _dashed(centre: np.ndarray, closed: bool, dash: tuple[float, float], width: float) -> tuple[Outline, ...]:
    """A dashed stroke ``width`` wide along the polyline ``centre``: one outline per dash."""
    return tuple(Outline(tuple(_corner(float(x), float(y)) for x, y in widened(piece, width)))
                 for piece in dashes(centre, closed, *dash) if len(piece) >= 2)


# ----------------------------------------------------------------------------- pixels


def _polyline(knots: tuple[Knot, ...], offset: Point) -> np.ndarray:
    """A closed Bézier outline flattened to an ``(n, 2)`` polygon, shifted by ``-offset``."""
    from psd_tools.composite import scanline  # its package imports scipy (when installed): only when drawing
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
    from psd_tools.composite import scanline

    coverage = np.zeros((height, width), np.float32)
    for outline in paint.outlines:
        plane = scanline.fill_coverage([_polyline(outline.knots, (left, top))], width, height)
        coverage = np.maximum(0, coverage - plane) if outline.subtract else coverage + plane - coverage * plane
    if paint.gradient is not None and paint.frame is not None:
        frame = paint.frame
        image = gradient_image((width, height), Box(x0=frame.x0 - left, y0=frame.y0 - top, x1=frame.x1 - left,
                                                    y1=frame.y1 - top), paint.gradient).convert("RGBA")
    else:
        image = Image.new("RGBA", (width, height), hex_to_rgb(paint.color))
    image.putalpha(Image.fromarray(np.clip(coverage * 255 + 0.5, 0, 255).astype(np.uint8)))
    return image, (left, top)


# ----------------------------------------------------------------------------- tagged blocks


def gradient_fill(gradient: Gradient) -> DescriptorBlock:
    """The ``GdFl`` descriptor: a linear gradient aligned to the layer, at full scale and no offset."""
    fill = DescriptorBlock(classID=b"null")
    offset = descriptor(b"Pnt ", {"Hrzn": unit(0.0, Unit.Percent), "Vrtc": unit(0.0, Unit.Percent)})
    items = {"Dthr": Bool(False), "Rvrs": Bool(False), "Angl": unit(gradient_angle(gradient), Unit.Angle),
             "Type": enum(b"GrdT", b"Lnr "), "Algn": Bool(True), "Scl ": unit(100.0, Unit.Percent),
             "Ofst": offset, "Grad": gradient_descriptor(gradient)}
    for key, value in items.items():
        fill[key.encode("ascii")] = value
    return fill


def fill_blocks(paint: Paint, size: tuple[int, int]) -> list[TaggedBlock]:
    """The fill (``SoCo`` colour or ``GdFl`` gradient) and ``vmsk`` (vector mask) blocks of a shape layer
    on a canvas of ``size``."""
    if paint.gradient is not None:
        fill = TaggedBlock(key=Tag.GRADIENT_FILL_SETTING, data=gradient_fill(paint.gradient))
    else:
        soco = DescriptorBlock(classID=b"null")
        soco[b"Clr "] = color_descriptor(paint.color)
        fill = TaggedBlock(key=Tag.SOLID_COLOR_SHEET_SETTING, data=soco)
    width, height = size

    def relative(point: Point) -> tuple[float, float]:
        return point[1] / height, point[0] / width  # (y, x) as fractions of the canvas

    subpaths = [ClosedPath(items=[ClosedKnotLinked(relative(k.before), relative(k.anchor), relative(k.after))
                                  for k in outline.knots], operation=2 if outline.subtract else 1)
                for outline in paint.outlines]
    path = Path([PathFillRule(), InitialFillRule(0), *subpaths])
    vmsk = VectorMaskSetting(version=3, flags=0, path=path)
    return [fill, TaggedBlock(key=Tag.VECTOR_MASK_SETTING1, data=vmsk)]
