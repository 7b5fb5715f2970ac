"""What the PPTX and SVG exporters share: how a shape is painted, how text is outlined.

Shape conventions (the scene graph stores only a box per shape):

* ``rect`` and ``ellipse`` fill ``box``; their stroke, when ``stroke`` is set and
  ``stroke_width`` > 0, is centred on the box edge.
* ``line`` is a straight rule from ``points[0]`` to ``points[1]`` when given,
  else along the long axis of ``box`` through its centre; it is drawn in
  ``stroke`` (else ``fill``) with ``stroke_width`` (else the box's short side,
  at least 1 px) (:func:`layerize.render.line_endpoints`).
* ``polygon`` is the closed outline through ``points``, painted like a rect.
* A ``dash`` (dash, gap) breaks the line or the stroke into dashes from where
  its outline starts (SVG's ``stroke-dasharray``, DrawingML's ``a:custDash``).
* A ``gradient`` runs along its angle between the two points where the box
  ends in that direction (:func:`gradient_line`); ``fill`` is its fallback.

Text effects: SVG and PowerPoint both centre an outline on the glyph edge, so
a text stroke is drawn twice as wide as its ``width_px`` (:func:`outline_width`),
which puts ``width_px`` outside the glyphs as ``render_block`` draws it.

Style runs: a run is set in its block's family unless the face its weight and
slant resolve to belongs to another (:func:`span_family`).
"""

from __future__ import annotations

from dataclasses import dataclass

from layerize.render import gradient_points, style_face
from layerize.scene import Shape, TextStroke, TextStyle


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


def gradient_line(shape: Shape) -> tuple[float, float, float, float]:
    """``(x1, y1, x2, y2)``: where a shape's gradient starts and ends, through the centre of its box."""
    assert shape.gradient is not None
    return gradient_points(shape.box, shape.gradient)


def outline_width(stroke: TextStroke) -> float:
    """Width in px of an outline centred on the glyph edge whose outer half is the stroke's ``width_px``."""
    return 2 * stroke.width_px


def span_family(block: TextStyle, span: TextStyle) -> str:
    """The family a run styled ``span`` is set in: its block's, unless the run's own face is another family's."""
    if (span.font_file, span.font_index) == (block.font_file, block.font_index):
        return block.font_family
    return style_face(span).family
