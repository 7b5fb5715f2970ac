"""What the PPTX and SVG exporters share: how a shape is painted and where a line runs.

Shape conventions (the scene graph stores only a box per shape):

* ``rect`` and ``ellipse`` fill ``box``; their stroke, when ``stroke`` is set and
  ``stroke_width`` > 0, is centred on the box edge.
* ``line`` is a straight rule along the long axis of ``box``, through its
  centre; it is drawn in ``stroke`` (else ``fill``) with ``stroke_width`` (else
  the box's short side, at least 1 px).
"""

from __future__ import annotations

from dataclasses import dataclass

from layerize.scene import Shape


@dataclass(frozen=True)
class Paint:
    """How a shape is painted: fill colour, stroke colour and stroke width in px (None: not painted)."""

    fill: str | None
    stroke: str | None
    stroke_width: float


def shape_paint(shape: Shape) -> Paint:
    """Fill and stroke of ``shape`` by the conventions above."""
    if shape.shape == "line":
        width = shape.stroke_width or max(1.0, min(shape.box.width, shape.box.height))
        return Paint(fill=None, stroke=shape.stroke or shape.fill, stroke_width=width)
    if shape.stroke and shape.stroke_width > 0:
        return Paint(fill=shape.fill, stroke=shape.stroke, stroke_width=shape.stroke_width)
    return Paint(fill=shape.fill, stroke=None, stroke_width=0.0)


def line_endpoints(shape: Shape) -> tuple[float, float, float, float]:
    """``(x1, y1, x2, y2)`` of a ``line`` shape: along the long axis of its box, through the centre."""
    box = shape.box
    cx, cy = (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2
    if box.width >= box.height:
        return box.x0, cy, box.x1, cy
    return cx, box.y0, cx, box.y1
