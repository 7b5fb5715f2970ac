"""Laying out and rasterising text blocks the way the exporters describe them.

One layout model serves every stage: a block's anchor ``(x, baseline)`` is the
left end, centre or right end of its first line's baseline (by alignment), and
each later line sits ``line_height_px`` lower (vertical text: the anchor is the
top, middle or bottom of the first column's centre line, and each later column
sits ``line_height_px`` to the left). The analyser fits blocks with this
model, the PSD exporter stores the pixels it draws, and the SVG and PPTX
exporters place their text with the same numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from .errors import InputError
from .fonts import FontFace, catalogue, face_of, load_font
from .primitives.color import hex_to_rgb
from .scene import Box, Gradient, Shape, TextBlock, TextLine, TextRun, TextShadow, TextStyle

MAX_RENDER_PIXELS = 200_000_000
"""Most pixels one text block may be drawn on (800 MB as RGBA): a scene asking for more is refused."""
ESTIMATE_EMS = 0.5
"""The first, glyph-free check counts half an em a character: most text is wider, so it only catches the
absurd (it stops a length FreeType could not even measure)."""

Span = tuple[str, TextStyle]
"""A stretch of a line and the style it is drawn in."""


@dataclass(frozen=True)
class PlacedLine:
    """A line's text, its styled spans and the left end of its baseline, before rotation."""

    text: str
    x: float
    baseline: float
    advance: float
    spans: tuple[Span, ...]


def style_face(style: TextStyle) -> FontFace:
    """The face a style renders with: its ``font_file`` when that is a catalogued font (no other file is
    opened: a scene is untrusted), else the catalogue's match for its family, weight and slant."""
    return face_of(style.font_file, style.font_index, style.font_family, style.weight, style.italic)


def style_font(style: TextStyle) -> ImageFont.FreeTypeFont:
    """The PIL font a style renders with (see :func:`style_face`)."""
    face = style_face(style)
    return load_font(face.path, style.size_px, face.index)


def run_style(style: TextStyle, run: TextRun) -> TextStyle:
    """``style`` with a run's colour, weight and slant (the family's closest face for the latter)."""
    weight = style.weight if run.weight is None else run.weight
    italic = style.italic if run.italic is None else run.italic
    update: dict = {"color": run.color or style.color, "weight": weight, "italic": italic}
    if (weight, italic) != (style.weight, style.italic):
        face = catalogue().resolve(style.font_family, weight, italic)
        update.update(font_file=face.path, font_index=face.index, font_postscript=face.postscript)
    return style.model_copy(update=update)


def line_spans(block: TextBlock, line: TextLine) -> tuple[Span, ...]:
    """The line's runs with their styles; the whole line in the block's style when it has none."""
    if not line.runs:
        return ((line.text, block.style),)
    return tuple((run.text, run_style(block.style, run)) for run in line.runs)


def line_advance(font: ImageFont.FreeTypeFont, text: str, letter_spacing: float = 0.0) -> float:
    """Advance width of ``text`` in pixels, tracking included."""
    return font.getlength(text) + letter_spacing * max(0, len(text) - 1)


def spans_advance(spans: tuple[Span, ...], letter_spacing: float = 0.0) -> float:
    """Advance width of styled spans in pixels, tracking included."""
    count = sum(len(text) for text, _ in spans)
    return sum(style_font(style).getlength(text) for text, style in spans) + letter_spacing * max(0, count - 1)


def place_lines(block: TextBlock) -> list[PlacedLine]:
    """Where each line of ``block`` starts, in canvas pixels, before rotation.

    For horizontal text ``x``/``baseline`` are the left end of each line's
    baseline; for vertical text they are each column's centre x and its top.
    """
    style = block.style
    vertical = block.orientation == "vertical"
    placed = []
    for i, line in enumerate(block.lines):
        spans = line_spans(block, line)
        advance = (column_advance(line.text, style.size_px, style.letter_spacing_px) if vertical
                   else spans_advance(spans, style.letter_spacing_px))
        start = align_offset(style.align, advance)
        if vertical:
            placed.append(PlacedLine(line.text, block.x - i * style.line_height_px, block.baseline - start,
                                     advance, spans))
        else:
            placed.append(PlacedLine(line.text, block.x - start, block.baseline + i * style.line_height_px,
                                     advance, spans))
    return placed


def column_advance(text: str, size: float, letter_spacing: float = 0.0) -> float:
    """Length of a vertical column of em ``size``: every character takes one em, tracking between them."""
    return len(text) * size + letter_spacing * max(0, len(text) - 1)


def align_offset(align: str, length: float) -> float:
    """How far before the anchor a line of ``length`` starts: nothing (left, justify), half (center) or all."""
    return {"center": length / 2, "right": length}.get(align, 0.0)


def _draw_line(draw: ImageDraw.ImageDraw, line: PlacedLine, dx: float, dy: float, spacing: float,
               vertical: bool, stroke: tuple[str, float] | None = None) -> None:
    """Draw one line's glyphs; with ``stroke`` (colour, width) its whole silhouette in that colour."""
    x, y = line.x + dx, line.baseline + dy
    for text, style in line.spans:
        font = style_font(style)
        color = hex_to_rgb(stroke[0] if stroke else style.color) + (255,)
        width = stroke[1] if stroke else 0
        if vertical:  # upright characters centred in one-em cells down the column
            for ch in text:
                draw.text((x, y + style.size_px / 2), ch, font=font, fill=color, anchor="mm",
                          stroke_width=width, stroke_fill=color)
                y += style.size_px + spacing
        elif not spacing:
            draw.text((x, y), text, font=font, fill=color, anchor="ls", stroke_width=width, stroke_fill=color)
            x += font.getlength(text)
        else:
            for i, ch in enumerate(text):  # prefix lengths keep the font's kerning between tracked glyphs
                draw.text((x + font.getlength(text[:i]) + i * spacing, y), ch, font=font, fill=color, anchor="ls",
                          stroke_width=width, stroke_fill=color)
            x += font.getlength(text) + len(text) * spacing


def _bounds(block: TextBlock, lines: list[PlacedLine], pad: int) -> tuple[int, int, int, int]:
    """Canvas box, before rotation, that holds every line's glyphs with ``pad`` to spare."""
    size = block.style.size_px
    if block.orientation == "vertical":
        x0 = min(line.x for line in lines) - size / 2
        x1 = max(line.x for line in lines) + size / 2
        y0 = min(line.baseline for line in lines)
        y1 = max(line.baseline + line.advance for line in lines)
    else:
        ascent, descent = style_font(block.style).getmetrics()
        x0 = min(line.x for line in lines)
        x1 = max(line.x + line.advance for line in lines)
        y0, y1 = lines[0].baseline - ascent, lines[-1].baseline + descent
    return math.floor(x0) - pad, math.floor(y0) - pad, math.ceil(x1) + pad, math.ceil(y1) + pad


def line_endpoints(shape: Shape) -> tuple[float, float, float, float]:
    """``(x1, y1, x2, y2)`` of a ``line`` shape: its two points, else the long axis of its box."""
    if shape.points and len(shape.points) >= 2:
        (x1, y1), (x2, y2) = shape.points[0], shape.points[-1]
        return x1, y1, x2, y2
    box = shape.box
    cx, cy = (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2
    if box.width >= box.height:
        return box.x0, cy, box.x1, cy
    return cx, box.y0, cx, box.y1


def gradient_points(box: Box, gradient: Gradient) -> tuple[float, float, float, float]:
    """``(x1, y1, x2, y2)``: where a gradient starts and ends across ``box``, through its centre."""
    a = math.radians(gradient.angle)
    dx, dy = math.cos(a), math.sin(a)
    half = (abs(dx) * box.width + abs(dy) * box.height) / 2
    cx, cy = (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2
    return cx - dx * half, cy - dy * half, cx + dx * half, cy + dy * half


def gradient_image(size: tuple[int, int], box: Box, gradient: Gradient) -> Image.Image:
    """An RGB image of ``size`` painted with ``gradient`` laid across ``box`` (image pixels)."""
    x1, y1, x2, y2 = gradient_points(box, gradient)
    length2 = max((x2 - x1) ** 2 + (y2 - y1) ** 2, 1e-9)
    ys, xs = np.mgrid[0:size[1], 0:size[0]].astype(np.float64) + 0.5
    t = np.clip(((xs - x1) * (x2 - x1) + (ys - y1) * (y2 - y1)) / length2, 0.0, 1.0)[..., None]
    start, end = np.array(hex_to_rgb(gradient.start), float), np.array(hex_to_rgb(gradient.end), float)
    return Image.fromarray(np.rint(start + t * (end - start)).astype(np.uint8), "RGB")


def _draw_text(block: TextBlock, lines: list[PlacedLine], size: tuple[int, int], dx: float, dy: float) -> Image.Image:
    """The block's glyphs (stroke, then the solid or gradient fill) on a transparent image."""
    style, vertical = block.style, block.orientation == "vertical"
    fill = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(fill)
    for line in lines:
        _draw_line(draw, line, dx, dy, style.letter_spacing_px, vertical)
    if style.gradient is not None:
        alpha = fill.getchannel("A")
        bbox = alpha.getbbox()
        if bbox is not None:
            fill = gradient_image(size, Box(x0=bbox[0], y0=bbox[1], x1=bbox[2], y1=bbox[3]), style.gradient)
            fill.putalpha(alpha)
    if style.stroke is None:
        return fill
    outline = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(outline)
    for line in lines:
        _draw_line(draw, line, dx, dy, style.letter_spacing_px, vertical,
                   stroke=(style.stroke.color, style.stroke.width_px))
    return Image.alpha_composite(outline, fill)


def _add_shadow(image: Image.Image, offset: tuple[int, int], shadow: TextShadow
                ) -> tuple[Image.Image, tuple[int, int]]:
    """``image`` (at canvas ``offset``) over its drop shadow, on a canvas that holds both."""
    spread = int(math.ceil(3 * shadow.blur_px)) + 1
    sx, sy = int(round(shadow.dx)), int(round(shadow.dy))
    left = min(0, sx - spread)
    top = min(0, sy - spread)
    right = max(image.width, image.width + sx + spread)
    bottom = max(image.height, image.height + sy + spread)
    alpha = Image.new("L", (right - left, bottom - top), 0)
    alpha.paste(image.getchannel("A"), (sx - left, sy - top))
    if shadow.blur_px > 0:
        alpha = alpha.filter(ImageFilter.GaussianBlur(shadow.blur_px))
    alpha = alpha.point(lambda v: int(round(v * shadow.opacity)))
    result = Image.new("RGBA", alpha.size, hex_to_rgb(shadow.color) + (0,))
    result.putalpha(alpha)
    layer = Image.new("RGBA", alpha.size, (0, 0, 0, 0))
    layer.paste(image, (-left, -top))
    return Image.alpha_composite(result, layer), (offset[0] + left, offset[1] + top)


def _estimate(block: TextBlock) -> tuple[int, int]:
    """The size of the block's drawing, guessed before any glyph is measured (see :data:`ESTIMATE_EMS`)."""
    style = block.style
    chars = max(len(line.text) for line in block.lines)
    along = chars * (style.size_px + abs(style.letter_spacing_px)) * ESTIMATE_EMS
    across = len(block.lines) * max(style.line_height_px, style.size_px)
    return (int(across), int(along)) if block.orientation == "vertical" else (int(along), int(across))


def _check_drawable(block: TextBlock, size: tuple[int, int]) -> None:
    """Refuse a block whose drawing (turned: a square of twice its long side) exceeds the budget."""
    width, height = size
    side = 2 * max(width, height)
    pixels = side * side if block.rotation else width * height
    if pixels > MAX_RENDER_PIXELS or min(width, height) < 0:
        raise InputError(block.id, f"the text block draws {width}x{height} pixels, above the limit of "
                         f"{MAX_RENDER_PIXELS}: its text is too long or too large")


def render_block(block: TextBlock, shadow: bool = True) -> tuple[Image.Image, tuple[int, int]] | None:
    """The block's pixels as a tight RGBA image and its top-left canvas offset.

    Effects are drawn as the exporters describe them: the stroke outside the
    glyphs, a gradient over the fill, and (with ``shadow``) the drop shadow
    under everything. None when the block draws no ink (blank text).
    """
    style = block.style
    _check_drawable(block, _estimate(block))  # before FreeType measures: its 26.6 fixed point overflows
    lines = place_lines(block)
    pad = int(math.ceil(style.size_px * 0.5 + (style.stroke.width_px if style.stroke else 0))) + 2
    x0, y0, x1, y1 = _bounds(block, lines, pad)
    _check_drawable(block, (x1 - x0, y1 - y0))
    image = _draw_text(block, lines, (max(1, x1 - x0), max(1, y1 - y0)), -x0, -y0)
    if block.rotation:
        # rotate about the anchor, expanding the canvas so nothing is clipped
        cx, cy = block.x - x0, block.baseline - y0
        big = max(image.size) * 2
        holder = Image.new("RGBA", (big, big), (0, 0, 0, 0))
        ox, oy = int(big / 2 - cx), int(big / 2 - cy)
        holder.paste(image, (ox, oy))
        image = holder.rotate(block.rotation, resample=Image.BICUBIC, center=(big / 2, big / 2))
        x0, y0 = x0 - ox, y0 - oy
    bbox = image.getchannel("A").getbbox()
    if bbox is None:
        return None
    image, offset = image.crop(bbox), (x0 + bbox[0], y0 + bbox[1])
    if shadow and style.shadow is not None:
        image, offset = _add_shadow(image, offset, style.shadow)
    return image, offset


def ink_box(block: TextBlock, shadow: bool = False) -> Box | None:
    """The canvas box of the ink ``render_block`` draws (the drop shadow left out unless asked)."""
    rendered = render_block(block, shadow=shadow)
    if rendered is None:
        return None
    image, (left, top) = rendered
    return Box(x0=left, y0=top, x1=left + image.width, y1=top + image.height)


def glyph_box(block: TextBlock) -> Box | None:
    """The canvas box, before rotation, of the glyphs of a horizontal block, from the fonts' glyph boxes
    rather than by drawing them: what :func:`ink_box` finds unturned (stroke in, shadow out) within a
    pixel or two, at a fraction of the cost. None for blank text."""
    spacing = block.style.letter_spacing_px
    pad = block.style.stroke.width_px if block.style.stroke else 0.0
    found: Box | None = None
    for line in place_lines(block):
        x = line.x
        for text, style in line.spans:
            font = style_font(style)
            if text.strip():
                left, top, right, bottom = font.getbbox(text, anchor="ls")
                box = Box(x0=x + left - pad, y0=line.baseline + top - pad,
                          x1=x + right + spacing * max(0, len(text) - 1) + pad, y1=line.baseline + bottom + pad)
                found = box if found is None else found.union(box)
            x += font.getlength(text) + spacing * len(text)
    return found
