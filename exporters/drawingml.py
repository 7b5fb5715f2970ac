"""DrawingML paint that the PPTX exporter writes beyond what python-pptx sets: colours, two-stop linear
gradients and custom dashes."""

from __future__ import annotations

from pptx.dml.color import RGBColor
from pptx.dml.fill import FillFormat
from pptx.oxml.xmlchemy import BaseOxmlElement, OxmlElement

from layerize.scene import Gradient

PERCENT_UNIT = 100000
"""DrawingML fractions are in 100,000ths."""


def rgb(color: str) -> RGBColor:
    """``#rrggbb`` as python-pptx's colour."""
    return RGBColor.from_string(color[1:])


def set_dash(line: BaseOxmlElement, dash: tuple[float, float], width: float) -> None:
    """Give the ``a:ln`` of a stroke ``width`` px wide a custom ``dash`` (``a:custDash``: dash and space in
    100,000ths of the width, in schema order after the line's fill)."""
    line._remove_prstDash()
    stop = line.get_or_add_custDash()
    for child in list(stop):
        stop.remove(child)
    ds = OxmlElement("a:ds")
    ds.set("d", str(round(dash[0] / width * PERCENT_UNIT)))
    ds.set("sp", str(round(dash[1] / width * PERCENT_UNIT)))
    stop.append(ds)


def set_gradient(fill: FillFormat, gradient: Gradient) -> None:
    """Make ``fill`` a two-stop linear ``gradient`` (``a:lin`` turns clockwise, python-pptx counter-clockwise)."""
    fill.gradient()
    fill.gradient_angle = -gradient.angle % 360
    start, end = fill.gradient_stops[0], fill.gradient_stops[-1]
    start.position, end.position = 0.0, 1.0
    start.color.rgb, end.color.rgb = rgb(gradient.start), rgb(gradient.end)
