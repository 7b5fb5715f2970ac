"""SVG export: the plate and pictures as embedded PNGs, native shapes and live ``<text>``.

The document is in canvas pixels (width, height and viewBox equal the canvas).
Each text block is one ``<text>`` whose ``text-anchor`` follows the alignment,
with one ``<tspan>`` per line at ``x = anchor x`` and ``y = baseline + i *
line_height``; a line with style runs holds a ``<tspan>`` per run, carrying
the ``fill``, ``font-weight``, ``font-style`` and (when the run's face is
another family's) ``font-family`` where they differ from the block's (under a
gradient every run takes the gradient, as ``render_block`` draws it). A
rotation becomes ``rotate(-degrees, x, baseline)`` since SVG turns clockwise.
Justified text is drawn left-aligned, as ``render_block`` draws it: SVG text
does not reflow, so there is no paragraph to justify (``cannot_carry``).

Vertical text is ``writing-mode="vertical-rl"`` with upright characters: each
column's tspan is at its centre x and its top, the columns every line height
to the left of the anchor, and ``text-anchor`` start, middle or end puts the
anchor at a column's top, middle or bottom. (resvg 0.48 ignores
``text-orientation`` and turns Latin letters sideways; CJK characters,
upright anyway, land where ``render_block`` draws them.)

Text effects (SVG 2, hence svgwrite's SVG 1.1 validator is off): the stroke is
painted under the fill (``paint-order``) at twice its width, so only its outer
half shows; a gradient is a ``<linearGradient>`` in the text's own user space,
laid across the ink box of the glyphs as ``render_block`` lays it, with the
solid colour as the paint's fallback; a drop shadow is an ``feDropShadow``
filter on an unrotated ``<g>`` around the text, so its offset stays in canvas
space. Element ids are the node ids (defs: ``{id}-gradient``, ``{id}-shadow``);
numbers are written with at most three decimals, so identical scenes give
identical bytes.
"""

from __future__ import annotations

import io
from pathlib import Path

import resvg_py
import svgwrite
from PIL import Image
from svgwrite.base import BaseElement

from layerize.config import ExportConfig
from layerize.render import gradient_points, ink_box, line_spans
from layerize.scene import Box, Gradient, ImageObject, Scene, Shape, TextBlock, TextStyle, encode_png

from ._common import gradient_line, line_endpoints, outline_width, shape_paint, span_family

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


class DropShadow(BaseElement):
    """An ``<feDropShadow>`` filter primitive (SVG 2, unknown to svgwrite)."""

    elementname = "feDropShadow"


def gradient_fill(dwg: svgwrite.Drawing, id: str, points: tuple[float, float, float, float],
                  gradient: Gradient) -> str:
    """Add a ``<linearGradient>`` from ``(x1, y1)`` to ``(x2, y2)`` to ``<defs>``; its ``url(#…)`` reference."""
    x1, y1, x2, y2 = points
    element = dwg.linearGradient((num(x1), num(y1)), (num(x2), num(y2)), id=id, gradientUnits="userSpaceOnUse")
    element.add_stop_color(0, gradient.start)
    element.add_stop_color(1, gradient.end)
    dwg.defs.add(element)
    return element.get_funciri()


def text_fill(dwg: svgwrite.Drawing, block: TextBlock) -> str:
    """The block's ``fill``: its colour, or its gradient with the colour as fallback.

    The gradient spans the ink box of the glyphs, unrotated and without stroke,
    in the text's own user space: where ``render_block`` lays it.
    """
    style = block.style
    if style.gradient is None:
        return style.color
    bare = style.model_copy(update={"stroke": None, "shadow": None})
    box = ink_box(block.model_copy(update={"style": bare, "rotation": 0.0}))
    if box is None:  # blank text: nothing to lay the gradient across
        return style.color
    url = gradient_fill(dwg, f"{block.id}-gradient", gradient_points(box, style.gradient), style.gradient)
    return f"{url} {style.color}"


def shadow_filter(dwg: svgwrite.Drawing, block: TextBlock, canvas: Box) -> str:
    """Add the block's drop shadow filter, acting over the whole canvas, to ``<defs>``; its ``url(#…)``."""
    shadow = block.style.shadow
    assert shadow is not None
    element = dwg.filter(start=(0, 0), size=(num(canvas.width), num(canvas.height)), id=f"{block.id}-shadow",
                         filterUnits="userSpaceOnUse")
    element.add(DropShadow(factory=dwg, dx=num(shadow.dx), dy=num(shadow.dy), stdDeviation=num(shadow.blur_px),
                           **{"flood-color": shadow.color, "flood-opacity": num(shadow.opacity)}))
    dwg.defs.add(element)
    return element.get_funciri()


def shape_element(dwg: svgwrite.Drawing, shape: Shape) -> BaseElement:
    """A ``<rect>``, ``<ellipse>``, ``<polygon>`` or ``<line>`` for ``shape``."""
    paint = shape_paint(shape)
    if shape.gradient and shape.shape != "line":
        fill = gradient_fill(dwg, f"{shape.id}-gradient", gradient_line(shape), shape.gradient)
    else:
        fill = paint.fill or "none"
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


def run_attributes(block: TextBlock, style: TextStyle) -> dict[str, str]:
    """A run's own presentation attributes: those of its style that differ from its block's."""
    base = block.style
    attrs = {}
    if style.color != base.color and base.gradient is None:  # a gradient paints every run
        attrs["fill"] = style.color
    if style.weight != base.weight:
        attrs["font-weight"] = str(style.weight)
    if style.italic != base.italic:
        attrs["font-style"] = "italic" if style.italic else "normal"
    family = span_family(base, style)
    if family != base.font_family:
        attrs["font-family"] = font_family_list(family)
    return attrs


def text_element(dwg: svgwrite.Drawing, block: TextBlock, canvas: Box) -> BaseElement:
    """One ``<text>`` for ``block`` with a ``<tspan>`` per line (holding one per run), in a ``<g>`` with the
    drop shadow if any."""
    style = block.style
    vertical = block.orientation == "vertical"
    attrs = {
        "id": block.id,
        "font-family": font_family_list(style.font_family),
        "font-size": num(style.size_px),
        "font-weight": str(style.weight),
        "font-style": "italic" if style.italic else "normal",
        "letter-spacing": num(style.letter_spacing_px),
        "text-anchor": ANCHOR[style.align],
        "fill": text_fill(dwg, block),
        "xml:space": "preserve",
    }
    if style.stroke:
        attrs.update({"stroke": style.stroke.color, "stroke-width": num(outline_width(style.stroke)),
                      "stroke-linejoin": "round", "paint-order": "stroke"})
    if vertical:
        attrs.update({"writing-mode": "vertical-rl", "text-orientation": "upright"})
    if block.rotation:
        attrs["transform"] = f"rotate({num(-block.rotation)} {num(block.x)} {num(block.baseline)})"
    text = dwg.text("", **attrs)
    for i, line in enumerate(block.lines):
        step = i * style.line_height_px
        x, y = (block.x - step, block.baseline) if vertical else (block.x, block.baseline + step)
        if not line.runs:
            text.add(dwg.tspan(line.text, x=[num(x)], y=[num(y)]))
            continue
        row = dwg.tspan("", x=[num(x)], y=[num(y)])
        for run_text, span in line_spans(block, line):
            row.add(dwg.tspan(run_text, **run_attributes(block, span)))
        text.add(row)
    if style.shadow is None:
        return text
    group = dwg.g(filter=shadow_filter(dwg, block, canvas))
    group.add(text)
    return group


class SvgExporter:
    """Writes a scene as one SVG document."""

    name = "svg"
    extensions = ("svg",)
    cannot_carry = {"text.justify": "left-aligned lines, as drawn (SVG text does not reflow)"}
    slow_preview = False

    def __init__(self, cfg: ExportConfig | None = None) -> None:
        """No options yet (``[export.svg]`` is empty)."""

    def preview(self, path: Path) -> Image.Image:
        """The file as resvg (an independent SVG renderer, with the system fonts) draws it."""
        return Image.open(io.BytesIO(bytes(resvg_py.svg_to_bytes(svg_path=str(path))))).convert("RGBA")

    def write(self, scene: Scene, path: Path) -> None:
        """Build the document bottom to top and write it as UTF-8."""
        w, h = scene.canvas.width, scene.canvas.height
        dwg = svgwrite.Drawing(size=(w, h), viewBox=f"0 0 {w} {h}", profile="full", debug=False)
        canvas = Box(x0=0, y0=0, x1=w, y1=h)
        dwg.add(image_element(dwg, "background", scene.background.image, canvas))
        for node in scene.nodes:
            if isinstance(node, TextBlock):
                dwg.add(text_element(dwg, node, canvas))
            elif isinstance(node, ImageObject):
                dwg.add(image_element(dwg, node.id, node.image, node.box))
            else:
                dwg.add(shape_element(dwg, node))
        with open(path, "w", encoding="utf-8") as f:
            dwg.write(f)
