"""SVG export: the plate and pictures as embedded images, native shapes and live ``<text>``.

The document is in canvas pixels (width, height and viewBox equal the canvas).
Each text block is one ``<text>`` whose ``text-anchor`` follows the alignment,
with one ``<tspan>`` per line at ``x = anchor x`` and ``y = baseline + i *
line_height``; a line with style runs holds a ``<tspan>`` per run, carrying
the ``fill``, ``font-weight``, ``font-style`` and (when the run's face is
another family's, or with embedded fonts another face) ``font-family`` where
they differ from the block's (under a
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

For a web page (``[export.svg]``, README "SVG for the web"): the fonts are
named, or embedded as subset WOFF2 (:mod:`.svg_fonts`); the plate is a PNG,
or a WEBP or JPEG under a byte budget (:mod:`.plates`); ``title`` adds a
``<title>`` (the largest text), ``lang`` the document's language, and
``responsive`` leaves out width and height so the document fills what holds
it. The text stays live ``<text>``, so a page can select and search it. The
defaults write what this exporter always wrote, byte for byte.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from xml.etree import ElementTree

import resvg_py
import svgwrite
from PIL import Image
from svgwrite.base import BaseElement

from layerize.config import ExportConfig
from layerize.export.exporter import byte_size
from layerize.primitives.paths import Subpath, segments
from layerize.render import gradient_points, ink_box, line_endpoints, line_spans
from layerize.scene import Box, Gradient, ImageObject, Scene, Shape, TextBlock, TextStyle, encode_png

from ._common import gradient_line, outline_width, shape_paint
from .plates import data_uri, plate_file
from .svg_fonts import EMBEDDED_PREFIX, FontFamilies

ANCHOR = {"left": "start", "justify": "start", "center": "middle", "right": "end"}
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
SHAPE_TAGS = ("rect", "ellipse", "polygon", "path", "line")
EMBEDDED_FONT = re.compile(r"url\(data:font/woff2;base64,([A-Za-z0-9+/=]*)\)")


def num(value: float) -> str:
    """``value`` with at most three decimals and no trailing zeros."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def image_element(dwg: svgwrite.Drawing, id: str, href: str, box: Box) -> BaseElement:
    """An ``<image>`` showing the image file ``href`` (a data URI) stretched over ``box``."""
    return dwg.image(href, insert=(num(box.x0), num(box.y0)), size=(num(box.width), num(box.height)),
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
    """A ``<rect>``, ``<ellipse>``, ``<polygon>``, ``<path>`` or ``<line>`` for ``shape``."""
    paint = shape_paint(shape)
    if shape.gradient and shape.shape != "line":
        fill = gradient_fill(dwg, f"{shape.id}-gradient", gradient_line(shape), shape.gradient)
    else:
        fill = paint.fill or "none"
    attrs = {"id": shape.id, "fill": fill, "stroke": paint.stroke or "none"}
    if paint.stroke:
        attrs["stroke-width"] = num(paint.stroke_width)
        if shape.dash:
            attrs["stroke-dasharray"] = " ".join(num(v) for v in shape.dash)
    box = shape.box
    if shape.shape == "line":
        x1, y1, x2, y2 = line_endpoints(shape)
        return dwg.line((num(x1), num(y1)), (num(x2), num(y2)), **attrs)
    if shape.shape == "polygon" and shape.points:
        return dwg.polygon([(num(x), num(y)) for x, y in shape.points], **attrs)
    if shape.shape == "path" and shape.subpaths:
        return dwg.path(d=path_data(shape.subpaths), **{"fill-rule": "evenodd"}, **attrs)
    if shape.shape == "ellipse":
        return dwg.ellipse((num((box.x0 + box.x1) / 2), num((box.y0 + box.y1) / 2)),
                           (num(box.width / 2), num(box.height / 2)), **attrs)
    radius = num(min(shape.corner_radius, box.width / 2, box.height / 2))
    return dwg.rect((num(box.x0), num(box.y0)), (num(box.width), num(box.height)), rx=radius, ry=radius, **attrs)


def path_data(subpaths: list[Subpath]) -> str:
    """SVG path data (absolute ``M``, ``L``, ``C``, ``Z``) of closed Bézier subpaths."""
    def xy(point: tuple[float, float]) -> str:
        return f"{num(point[0])} {num(point[1])}"

    parts = []
    for subpath in subpaths:
        parts.append(f"M{xy(subpath[0][1])}")
        for segment in segments(subpath):
            parts.append(("L" if len(segment) == 1 else "C") + " ".join(xy(p) for p in segment))
        parts.append("Z")
    return "".join(parts)


def run_attributes(block: TextBlock, style: TextStyle, families: FontFamilies) -> dict[str, str]:
    """A run's own presentation attributes: those of its style that differ from its block's."""
    base = block.style
    attrs = {}
    if style.color != base.color and base.gradient is None:  # a gradient paints every run
        attrs["fill"] = style.color
    if style.weight != base.weight:
        attrs["font-weight"] = str(style.weight)
    if style.italic != base.italic:
        attrs["font-style"] = "italic" if style.italic else "normal"
    family = families.of(base, style)
    if family != families.of(base, base):
        attrs["font-family"] = family
    return attrs


def text_element(dwg: svgwrite.Drawing, block: TextBlock, canvas: Box, families: FontFamilies) -> BaseElement:
    """One ``<text>`` for ``block`` with a ``<tspan>`` per line (holding one per run), in a ``<g>`` with the
    drop shadow if any."""
    style = block.style
    vertical = block.orientation == "vertical"
    attrs = {
        "id": block.id,
        "font-family": families.of(style, style),
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
            row.add(dwg.tspan(run_text, **run_attributes(block, span, families)))
        text.add(row)
    if style.shadow is None:
        return text
    group = dwg.g(filter=shadow_filter(dwg, block, canvas))
    group.add(text)
    return group


def scene_title(scene: Scene) -> str | None:
    """The scene's largest text (the first of the largest), its lines joined by spaces; None without text."""
    blocks = [block for block in scene.texts if block.text.strip()]
    if not blocks:
        return None
    largest = max(blocks, key=lambda block: block.style.size_px)
    return " ".join(line.text.strip() for line in largest.lines if line.text.strip())


def counted(count: int, noun: str) -> str:
    """``1 text``, ``5 texts``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def base64_size(data: str) -> int:
    """How many bytes base64 ``data`` decodes to."""
    return len(data) * 3 // 4 - data[-2:].count("=")


def describe_svg(path: Path) -> str:
    """What an SVG this exporter wrote holds: its texts, shapes, pictures, its plate and its fonts."""
    elements = [(element.tag.rpartition("}")[2], element) for element in ElementTree.parse(path).getroot().iter()]
    images = [element for tag, element in elements if tag == "image"]
    texts = [element for tag, element in elements if tag == "text"]
    parts = [counted(len(texts), "text"), counted(sum(tag in SHAPE_TAGS for tag, _ in elements), "shape"),
             counted(sum(element.get("id") != "background" for element in images), "picture")]
    plate = next((element for element in images if element.get("id") == "background"), None)
    if plate is not None:
        header, _, data = plate.get(XLINK_HREF, "").partition(";base64,")
        parts.append(f"plate {header.rpartition('/')[2]} {byte_size(base64_size(data))}")
    fonts = EMBEDDED_FONT.findall("".join(element.text or "" for tag, element in elements if tag == "style"))
    if fonts:
        parts.append(f"{counted(len(fonts), 'embedded font')} {byte_size(sum(map(base64_size, fonts)))}")
    families = {element.get("font-family").split(",")[0].strip("' ") for tag, element in elements
                if tag in ("text", "tspan") and element.get("font-family")}
    named = sorted(family for family in families if not family.startswith(EMBEDDED_PREFIX))
    if named and not fonts:
        parts.append(f"fonts by name: {', '.join(named)}")
    return ", ".join(parts)


class SvgExporter:
    """Writes a scene as one SVG document."""

    name = "svg"
    extensions = ("svg",)
    cannot_carry = {"text.justify": "left-aligned lines, as drawn (SVG text does not reflow)"}
    slow_preview = False

    def __init__(self, cfg: ExportConfig | None = None) -> None:
        """Take the ``[export.svg]`` options (default: the defaults)."""
        self.cfg = (cfg or ExportConfig()).svg

    def preview(self, path: Path) -> Image.Image:
        """The file as resvg (an independent SVG renderer, with the system fonts) draws it."""
        return Image.open(io.BytesIO(bytes(resvg_py.svg_to_bytes(svg_path=str(path))))).convert("RGBA")

    def describe(self, path: Path) -> str:
        """What the file holds (see :func:`describe_svg`)."""
        return describe_svg(path)

    def plate(self, scene: Scene) -> str:
        """The plate's data URI, in the configured format and within the byte budget."""
        cfg = self.cfg
        return data_uri(plate_file(scene.background.image, cfg.plate, cfg.plate_quality, cfg.plate_max_bytes),
                        cfg.plate)

    def document(self, scene: Scene) -> svgwrite.Drawing:
        """The root ``<svg>``: the canvas as its viewBox (and size unless responsive), its title and language."""
        cfg, (w, h) = self.cfg, (scene.canvas.width, scene.canvas.height)
        dwg = svgwrite.Drawing(size=(w, h), viewBox=f"0 0 {w} {h}", profile="full", debug=False)
        if cfg.responsive:
            del dwg.attribs["width"], dwg.attribs["height"]
        if cfg.lang:
            dwg.attribs.update({"lang": cfg.lang, "xml:lang": cfg.lang})
        title = scene_title(scene) if cfg.title else None
        if title:
            dwg.set_desc(title=title)
        return dwg

    def write(self, scene: Scene, path: Path) -> None:
        """Build the document bottom to top and write it as UTF-8."""
        dwg = self.document(scene)
        families = FontFamilies.embedding(scene) if self.cfg.fonts == "embed" else FontFamilies()
        if families.css:
            dwg.defs.add(dwg.style(families.css))
        canvas = Box(x0=0, y0=0, x1=scene.canvas.width, y1=scene.canvas.height)
        dwg.add(image_element(dwg, "background", self.plate(scene), canvas))
        for node in scene.nodes:
            if isinstance(node, TextBlock):
                dwg.add(text_element(dwg, node, canvas, families))
            elif isinstance(node, ImageObject):
                dwg.add(image_element(dwg, node.id, encode_png(node.image), node.box))
            else:
                dwg.add(shape_element(dwg, node))
        with open(path, "w", encoding="utf-8") as f:
            dwg.write(f)
