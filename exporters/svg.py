"""SVG export: the plate and pictures as embedded PNGs, native shapes and live ``<text>``.

The document is in canvas pixels (width, height and viewBox equal the canvas).
Each text block is one ``<text>`` whose ``text-anchor`` follows the alignment,
with one ``<tspan>`` per line at ``x = anchor x`` and ``y = baseline + i *
line_height``; a rotation becomes ``rotate(-degrees, x, baseline)`` since SVG
turns clockwise. Element ids are the node ids; numbers are written with at most
three decimals, so identical scenes give identical bytes.
"""

from __future__ import annotations

from pathlib import Path

import svgwrite
from PIL import Image
from svgwrite.base import BaseElement

from layerize.scene import Box, ImageObject, Scene, Shape, TextBlock, encode_png

from ._common import gradient_line, line_endpoints, shape_paint

ANCHOR = {"left": "start", "justify": "start", "center": "middle", "right": "end"}


def num(value: float) -> str:
    """``value`` with at most three decimals and no trailing zeros."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def font_family_list(family: str) -> str:
    """A CSS font-family list: ``family`` then the generic family it resembles."""
    name = family.casefold()
    if "mono" in name:
        generic = "monospace"
    elif "serif" in name and "sans" not in name:
        generic = "serif"
    else:
        generic = "sans-serif"
    return f"'{family}', {generic}"


def image_element(dwg: svgwrite.Drawing, id: str, image: Image.Image, box: Box) -> BaseElement:
    """An ``<image>`` showing ``image`` stretched over ``box``, as a PNG data URI."""
    return dwg.image(encode_png(image), insert=(num(box.x0), num(box.y0)), size=(num(box.width), num(box.height)),
                     id=id, preserveAspectRatio="none")


def gradient_fill(dwg: svgwrite.Drawing, shape: Shape) -> str:
    """Add a ``<linearGradient>`` for the shape's gradient to ``<defs>``; its ``url(#…)`` reference."""
    assert shape.gradient is not None
    x1, y1, x2, y2 = gradient_line(shape)
    gradient = dwg.linearGradient((num(x1), num(y1)), (num(x2), num(y2)), id=f"{shape.id}-gradient",
                                  gradientUnits="userSpaceOnUse")
    gradient.add_stop_color(0, shape.gradient.start)
    gradient.add_stop_color(1, shape.gradient.end)
    dwg.defs.add(gradient)
    return gradient.get_funciri()


def shape_element(dwg: svgwrite.Drawing, shape: Shape) -> BaseElement:
    """A ``<rect>``, ``<ellipse>``, ``<polygon>`` or ``<line>`` for ``shape``."""
    paint = shape_paint(shape)
    fill = gradient_fill(dwg, shape) if shape.gradient and shape.shape != "line" else paint.fill or "none"
    attrs = {"id": shape.id, "fill": fill, "stroke": paint.stroke or "none"}
    if paint.stroke:
        attrs["stroke-width"] = num(paint.stroke_width)
    box = shape.box
    if shape.shape == "line":
        x1, y1, x2, y2 = line_endpoints(shape)
        return dwg.line((num(x1), num(y1)), (num(x2), num(y2)), **attrs)
    if shape.shape == "polygon" and shape.points:
        return dwg.polygon([(num(x), num(y)) for x, y in shape.points], **attrs)
    if shape.shape == "ellipse":
        return dwg.ellipse((num((box.x0 + box.x1) / 2), num((box.y0 + box.y1) / 2)),
                           (num(box.width / 2), num(box.height / 2)), **attrs)
    radius = num(min(shape.corner_radius, box.width / 2, box.height / 2))
    return dwg.rect((num(box.x0), num(box.y0)), (num(box.width), num(box.height)), rx=radius, ry=radius, **attrs)


def text_element(dwg: svgwrite.Drawing, block: TextBlock) -> BaseElement:
    """One ``<text>`` for ``block`` with a ``<tspan>`` per line."""
    style = block.style
    attrs = {
        "id": block.id,
        "font-family": font_family_list(style.font_family),
        "font-size": num(style.size_px),
        "font-weight": str(style.weight),
        "font-style": "italic" if style.italic else "normal",
        "letter-spacing": num(style.letter_spacing_px),
        "text-anchor": ANCHOR[style.align],
        "fill": style.color,
        "xml:space": "preserve",
    }
    if block.rotation:
        attrs["transform"] = f"rotate({num(-block.rotation)} {num(block.x)} {num(block.baseline)})"
    text = dwg.text("", **attrs)
    for i, line in enumerate(block.lines):
        text.add(dwg.tspan(line.text, x=[num(block.x)], y=[num(block.baseline + i * style.line_height_px)]))
    return text


class SvgExporter:
    """Writes a scene as one SVG document."""

    name = "svg"
    extensions = ("svg",)

    def write(self, scene: Scene, path: Path) -> None:
        """Build the document bottom to top and write it as UTF-8."""
        w, h = scene.canvas.width, scene.canvas.height
        dwg = svgwrite.Drawing(size=(w, h), viewBox=f"0 0 {w} {h}", profile="full")
        dwg.add(image_element(dwg, "background", scene.background.image, Box(x0=0, y0=0, x1=w, y1=h)))
        for node in scene.nodes:
            if isinstance(node, TextBlock):
                dwg.add(text_element(dwg, node))
            elif isinstance(node, ImageObject):
                dwg.add(image_element(dwg, node.id, node.image, node.box))
            else:
                dwg.add(shape_element(dwg, node))
        with open(path, "w", encoding="utf-8") as f:
            dwg.write(f)
