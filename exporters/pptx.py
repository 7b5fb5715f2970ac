"""PowerPoint export: one slide with the plate, pictures, native shapes and live text.

Scale rule: the slide's long side is ``long_side_emu`` (default 12,192,000 EMU =
13.333 in, PowerPoint's widescreen width) and the short side follows the canvas
aspect ratio, so one canvas pixel is ``long_side_emu / max(width, height)`` EMU
everywhere (positions, sizes, font sizes, line spacing, stroke widths). A canvas
so narrow that its short side would fall under PowerPoint's one-inch minimum is
scaled up until the short side is one inch (up to the 56-inch maximum).

Text: each block is one text box with one paragraph per line, autofit off, word
wrap off, zero insets, top anchored and exact line spacing. The box is as wide
as the longest line, and its left edge, centre or right edge (by the
alignment) is at the anchor x; with wrap off the lines break only where the
scene breaks them, even where a substitute font runs a little wider. Vertically, with exact line spacing the first
baseline lies ``line_height - 0.2 em`` below the box top, whatever the font:
slide text is laid out in font-independent line cells (ascent 1 em, descent
0.2 em) and the leading goes above the glyphs. This was measured by rendering
decks with LibreOffice (DejaVu, Liberation and Noto fonts, line heights of
1.0 to 1.6 em, rotated blocks: ink edges within 2 px, mostly 1 px, of
``render_block`` at 1:1). Rotation is about the anchor, which PPTX expresses as
the box's centre moved and the box turned clockwise.

Vertical text is the same box turned into columns with ``vert="eaVert"``:
lines are read top to bottom and stacked right to left in line cells turned a
quarter clockwise, so the right edge plays the top edge's part (the first
baseline lies ``line_height - 0.2 em`` left of it), upright characters centre
on the middle of the cell, 0.4 em right of its baseline, and the paragraph
alignment (left, centre, right) puts the anchor at a column's top, middle or
bottom. LibreOffice 7.4 draws such columns with the characters turned
sideways but in the same place (ink edges within 4 px of ``render_block``).

Style runs: each line's paragraph holds an ``a:r`` per run, with the run's
colour, bold (from weight 600: DrawingML has only bold on or off, so other
weights are lost, see ``cannot_carry``), italic and, when the run's face is
another family's, typeface. Justified lines are justified paragraphs; as each
scene line is a paragraph of its own (its last line), they draw left-aligned,
as ``render_block`` draws them.

Text effects live in each run's ``a:rPr`` in schema order: the stroke as
``a:ln`` (see :func:`~layerize_exporters._common.outline_width`), the fill
(``a:solidFill`` or ``a:gradFill``, whose angle turns with the box), then the
drop shadow as ``a:effectLst/a:outerShdw``, which does not turn with the box.
(LibreOffice 7.4 draws such an outline as hollow type, a gradient in its first
colour and no shadow.)
"""

from __future__ import annotations

import io
import math
import shutil
import subprocess
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from lxml import etree
from PIL import Image
from pptx import Presentation
from pptx.dml.fill import FillFormat
from pptx.enum.shapes import MSO_CONNECTOR, MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.oxml.xmlchemy import BaseOxmlElement, OxmlElement
from pptx.presentation import Presentation as PresentationType
from pptx.shapes.autoshape import Shape as BaseShape
from pptx.shapes.shapetree import SlideShapes
from pptx.text.text import _Run
from pptx.util import Emu

from layerize.config import ExportConfig
from layerize.primitives.paths import Subpath, bounds, segments
from layerize.render import align_offset, line_endpoints, line_spans, place_lines
from layerize.scene import (
    Box,
    ImageObject,
    Scene,
    Shape,
    TextBlock,
    TextShadow,
    TextStroke,
    TextStyle,
    png_bytes,
)

from ._common import outline_width, shape_paint, span_family
from ._stablezip import write_stable_zip
from .drawingml import PERCENT_UNIT, rgb, set_dash, set_gradient

EMU_PER_POINT = 12700
ALIGN = {"left": PP_ALIGN.LEFT, "center": PP_ALIGN.CENTER, "right": PP_ALIGN.RIGHT, "justify": PP_ALIGN.JUSTIFY}
BOLD_FROM = 600  # the lightest weight set bold: DrawingML text is bold or not
BLANK_LAYOUT = 6
FONT_SIZE_EMU = (12700, 50800000)  # the smallest and largest run size DrawingML takes: 1 and 4000 points
SLIDE_SIDE_EMU = (914400, 51206400)  # the shortest and longest slide side PowerPoint takes: 1 and 56 inches
CELL_DESCENT_EM = 0.2  # descent of the font-independent line cell slide text is laid out in
CELL_MIDDLE_EM = 0.4  # height of that cell's middle (ascent 1 em) above the baseline: upright glyphs centre there
ANGLE_UNIT = 60000  # DrawingML angles are in 60,000ths of a degree
DECK_RATIO_DIGITS = 2  # aspect ratios equal to 2 decimals (1280x720, 1920x1080, 1456x816) share a deck's slide


def text_box_geometry(block: TextBlock) -> tuple[float, float, float, float]:
    """``(left, top, width, height)`` in canvas px of the unrotated text box of ``block``."""
    style = block.style
    length = max(line.advance for line in place_lines(block))  # of the longest line or column
    start = align_offset(style.align, length)
    depth = style.line_height_px * len(block.lines)
    first = style.line_height_px - CELL_DESCENT_EM * style.size_px  # top (vertical: right) edge to the first baseline
    if block.orientation == "vertical":
        right = block.x + first - CELL_MIDDLE_EM * style.size_px
        return right - depth, block.baseline - start, depth, length
    return block.x - start, block.baseline - first, length, depth


def rotated_about(x: float, y: float, cx: float, cy: float, degrees: float) -> tuple[float, float]:
    """Point ``(x, y)`` turned ``degrees`` counter-clockwise (on screen) about ``(cx, cy)``."""
    a = math.radians(degrees)
    dx, dy = x - cx, y - cy
    return cx + dx * math.cos(a) + dy * math.sin(a), cy - dx * math.sin(a) + dy * math.cos(a)


class PptxExporter:
    """Writes a scene as a one-slide PowerPoint deck."""

    name = "pptx"
    extensions = ("pptx",)
    cannot_carry = {"text.weight": "regular below weight 600, bold from it (DrawingML text is bold or not)"}

    slow_preview = True  # LibreOffice takes seconds to start

    def __init__(self, cfg: ExportConfig | None = None) -> None:
        self.long_side_emu = (cfg or ExportConfig()).pptx.long_side_emu

    def preview(self, path: Path) -> Image.Image | None:
        """The deck as LibreOffice draws it (through PDF and pdftoppm); None when either is not installed."""
        if not (shutil.which("soffice") and shutil.which("pdftoppm")):
            return None
        with tempfile.TemporaryDirectory() as work:
            folder = Path(work)
            subprocess.run(["soffice", f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless",
                            "--convert-to", "pdf", "--outdir", str(folder), str(path)],
                           check=True, capture_output=True, timeout=300)
            pdf = folder / (path.stem + ".pdf")
            subprocess.run(["pdftoppm", "-png", "-singlefile", "-r", "96", str(pdf), str(folder / "slide")],
                           check=True, capture_output=True, timeout=120)
            with Image.open(folder / "slide.png") as image:
                return image.convert("RGB")

    def write(self, scene: Scene, path: Path) -> None:
        """Build the deck and save it with fixed zip timestamps (byte-stable output)."""
        prs = Presentation()
        add_scene(SlideBuilder(prs, scene.canvas.width, scene.canvas.height, self.long_side_emu), scene)
        save_stable(prs, path)

    def write_deck(self, scenes: Sequence[Scene], path: Path) -> None:
        """Write ``scenes`` as the slides of one deck, in order.

        The slide has the scenes' most common aspect ratio (its long side
        ``long_side_emu``, as a single scene's); each canvas is scaled to fit
        it, centred.
        """
        if not scenes:
            raise ValueError("a deck needs at least one scene")
        ratios = Counter(round(s.canvas.width / s.canvas.height, DECK_RATIO_DIGITS) for s in scenes)
        ratio = ratios.most_common(1)[0][0]
        model = next(s.canvas for s in scenes if round(s.canvas.width / s.canvas.height, DECK_RATIO_DIGITS) == ratio)
        prs = Presentation()
        scale = slide_scale(model.width, model.height, self.long_side_emu)
        prs.slide_width, prs.slide_height = Emu(round(model.width * scale)), Emu(round(model.height * scale))
        for scene in scenes:
            add_scene(SlideBuilder(prs, scene.canvas.width, scene.canvas.height, self.long_side_emu, fit=True),
                      scene)
        save_stable(prs, path)


def add_scene(slide: SlideBuilder, scene: Scene) -> None:
    """The plate, then every node of ``scene`` in z-order, on ``slide``."""
    whole = Box(x0=0, y0=0, x1=scene.canvas.width, y1=scene.canvas.height)
    slide.add_picture("Background", scene.background.image, whole)
    for node in scene.nodes:
        if isinstance(node, TextBlock):
            slide.add_text(node)
        elif isinstance(node, ImageObject):
            slide.add_picture(node.layer_name, node.image, node.box)
        else:
            slide.add_shape(node)


def slide_scale(width: int, height: int, long_side_emu: int) -> float:
    """EMU per canvas pixel: the long side ``long_side_emu``, both sides within PowerPoint's bounds."""
    shortest, longest = SLIDE_SIDE_EMU
    return min(max(long_side_emu / max(width, height), shortest / min(width, height)), longest / max(width, height))


class SlideBuilder:
    """Adds scene nodes, given in canvas pixels, to a new blank slide sized to the canvas.

    With ``fit`` (a deck's slides) the presentation keeps its slide size and
    the canvas is scaled to fit it, centred.
    """

    def __init__(self, prs: PresentationType, width: int, height: int, long_side_emu: int, fit: bool = False) -> None:
        self.origin = (0.0, 0.0)  # EMU of the canvas's top left corner on the slide
        if fit:
            self.emu_per_px = min(prs.slide_width / width, prs.slide_height / height)
            self.origin = ((prs.slide_width - width * self.emu_per_px) / 2,
                           (prs.slide_height - height * self.emu_per_px) / 2)
        else:
            self.emu_per_px = slide_scale(width, height, long_side_emu)
            prs.slide_width = self.emu(width)
            prs.slide_height = self.emu(height)
        self.shapes: SlideShapes = prs.slides.add_slide(prs.slide_layouts[BLANK_LAYOUT]).shapes

    def emu(self, px: float) -> Emu:
        """Canvas pixels to EMU (a length)."""
        return Emu(round(px * self.emu_per_px))

    def x(self, px: float) -> Emu:
        """A canvas x to the slide's, in EMU."""
        return Emu(round(px * self.emu_per_px + self.origin[0]))

    def y(self, px: float) -> Emu:
        """A canvas y to the slide's, in EMU."""
        return Emu(round(px * self.emu_per_px + self.origin[1]))

    def add_picture(self, name: str, image: Image.Image, box: Box) -> None:
        """A picture (PNG, alpha kept) stretched over ``box``."""
        pic = self.shapes.add_picture(io.BytesIO(png_bytes(image)), self.x(box.x0), self.y(box.y0),
                                      self.emu(box.width), self.emu(box.height))
        pic.name = name

    def add_shape(self, node: Shape) -> None:
        """An autoshape (rectangle, rounded rectangle, oval), a freeform polygon or a straight connector."""
        paint = shape_paint(node)
        box = node.box
        if node.shape == "line":
            x1, y1, x2, y2 = line_endpoints(node)
            shape = self.shapes.add_connector(MSO_CONNECTOR.STRAIGHT, self.x(x1), self.y(y1),
                                              self.x(x2), self.y(y2))
        else:
            if node.shape == "polygon" and node.points:
                (x0, y0), *rest = node.points
                builder = self.shapes.build_freeform(self.x(x0), self.y(y0), scale=1.0)
                builder.add_line_segments([(self.x(x), self.y(y)) for x, y in rest], close=True)
                shape = builder.convert_to_shape()
            elif node.shape == "path" and node.subpaths:
                shape = self.add_path(node.subpaths)
            else:
                rounded = node.corner_radius > 0 and min(box.width, box.height) > 0
                kind = MSO_SHAPE.OVAL if node.shape == "ellipse" else (
                    MSO_SHAPE.ROUNDED_RECTANGLE if rounded else MSO_SHAPE.RECTANGLE)
                shape = self.shapes.add_shape(kind, self.x(box.x0), self.y(box.y0),
                                              self.emu(box.width), self.emu(box.height))
                if kind == MSO_SHAPE.ROUNDED_RECTANGLE:
                    shape.adjustments[0] = min(0.5, node.corner_radius / min(box.width, box.height))
            if node.gradient:
                set_gradient(shape.fill, node.gradient)
            elif paint.fill:
                shape.fill.solid()
                shape.fill.fore_color.rgb = rgb(paint.fill)
            else:
                shape.fill.background()
        if paint.stroke:
            shape.line.color.rgb = rgb(paint.stroke)
            shape.line.width = self.emu(paint.stroke_width)
            if node.dash:
                set_dash(shape.line._get_or_add_ln(), node.dash, paint.stroke_width)
        else:
            shape.line.fill.background()
        # drop the theme style reference, whose effects would add a drop shadow
        style = shape._element.find(qn("p:style"))
        if style is not None:
            shape._element.remove(style)
        shape.name = node.layer_name

    def add_path(self, subpaths: list[Subpath]) -> BaseShape:
        """A freeform of closed Bézier subpaths (``a:moveTo``, ``a:lnTo``, ``a:cubicBezTo``, ``a:close``):
        python-pptx builds the frame around the path's bounds, the path's commands are then written here."""
        x0, y0, x1, y1 = bounds(subpaths)
        builder = self.shapes.build_freeform(self.x(x0), self.y(y0), scale=1.0)
        builder.add_line_segments([(self.x(x1), self.y(y0)), (self.x(x1), self.y(y1)), (self.x(x0), self.y(y1))])
        shape = builder.convert_to_shape()
        path = shape._element.find(f"{qn('p:spPr')}/{qn('a:custGeom')}/{qn('a:pathLst')}/{qn('a:path')}")
        for child in list(path):
            path.remove(child)

        def command(tag: str, *points: tuple[float, float]) -> None:
            element = OxmlElement(tag)
            for x, y in points:
                point = OxmlElement("a:pt")
                point.set("x", str(self.x(x) - shape.left))
                point.set("y", str(self.y(y) - shape.top))
                element.append(point)
            path.append(element)

        for subpath in subpaths:
            command("a:moveTo", subpath[0][1])
            for segment in segments(subpath):
                command("a:lnTo" if len(segment) == 1 else "a:cubicBezTo", *segment)
            command("a:close")
        return shape

    def add_text(self, block: TextBlock) -> None:
        """One text box for ``block``, a paragraph per line and a run per style run (see the module notes)."""
        style = block.style
        left, top, width, height = text_box_geometry(block)
        cx, cy = rotated_about(left + width / 2, top + height / 2, block.x, block.baseline, block.rotation)
        box = self.shapes.add_textbox(self.x(cx - width / 2), self.y(cy - height / 2),
                                      self.emu(width), self.emu(height))
        box.name = block.layer_name
        box.rotation = -block.rotation % 360
        frame = box.text_frame
        frame.auto_size = MSO_AUTO_SIZE.NONE
        frame.word_wrap = False
        frame.vertical_anchor = MSO_ANCHOR.TOP
        frame.margin_left = frame.margin_right = frame.margin_top = frame.margin_bottom = 0
        if block.orientation == "vertical":
            frame._txBody.bodyPr.set("vert", "eaVert")
        for i, line in enumerate(block.lines):
            para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            para.alignment = ALIGN[style.align]
            para.line_spacing = self.emu(style.line_height_px)
            para.space_before = para.space_after = 0
            for text, span in line_spans(block, line):
                run = para.add_run()
                run.text = text
                family = span_family(style, span)
                self.format_run(run, span if family == span.font_family else span.model_copy(
                    update={"font_family": family}))

    def format_run(self, run: _Run, style: TextStyle) -> None:
        """Font, fill and effects of a run, its ``a:rPr`` children in schema order (ln, fill, effectLst, fonts)."""
        font = run.font
        font.name = style.font_family
        font.size = Emu(min(max(self.emu(style.size_px), FONT_SIZE_EMU[0]), FONT_SIZE_EMU[1]))
        font.bold = style.weight >= BOLD_FROM
        font.italic = style.italic
        if style.gradient:
            set_gradient(font.fill, style.gradient)
        else:
            font.color.rgb = rgb(style.color)
        rpr = run._r.get_or_add_rPr()
        for tag in ("a:ea", "a:cs"):  # after a:latin; East Asian and complex scripts too are in the block's font
            etree.SubElement(rpr, qn(tag), typeface=style.font_family)
        if style.letter_spacing_px:
            spacing_pt = style.letter_spacing_px * self.emu_per_px / EMU_PER_POINT
            rpr.set("spc", str(round(spacing_pt * 100)))
        if style.stroke:
            rpr.insert(0, self.outline(style.stroke))
        if style.shadow:
            rpr.eg_fillProperties.addnext(self.shadow_effect(style.shadow))

    def outline(self, stroke: TextStroke) -> BaseOxmlElement:
        """``a:ln`` for a text stroke: round-joined and, as PowerPoint centres it on the glyph edge, twice
        ``width_px`` wide, so the outer half matches (the inner half covers the fill's edge)."""
        line = OxmlElement("a:ln")
        line.w = self.emu(outline_width(stroke))
        fill = FillFormat.from_fill_parent(line)
        fill.solid()
        fill.fore_color.rgb = rgb(stroke.color)
        etree.SubElement(line, qn("a:round"))
        return line

    def shadow_effect(self, shadow: TextShadow) -> BaseOxmlElement:
        """``a:effectLst`` with an ``a:outerShdw``: the offset as distance and clockwise direction, kept on the
        slide's axes, and a blur radius of twice the Gaussian's standard deviation."""
        effects = OxmlElement("a:effectLst")
        direction = round(math.degrees(math.atan2(shadow.dy, shadow.dx)) * ANGLE_UNIT) % (360 * ANGLE_UNIT)
        outer = etree.SubElement(effects, qn("a:outerShdw"), {
            "blurRad": str(self.emu(2 * shadow.blur_px)), "dist": str(self.emu(math.hypot(shadow.dx, shadow.dy))),
            "dir": str(direction), "algn": "tl", "rotWithShape": "0"})
        color = etree.SubElement(outer, qn("a:srgbClr"), {"val": str(rgb(shadow.color))})
        etree.SubElement(color, qn("a:alpha"), {"val": str(round(shadow.opacity * PERCENT_UNIT))})
        return effects


def save_stable(prs: PresentationType, path: Path) -> None:
    """Save ``prs`` to ``path`` with fixed zip timestamps (byte-stable output)."""
    buf = io.BytesIO()
    prs.save(buf)
    write_stable_zip(buf.getvalue(), path)

