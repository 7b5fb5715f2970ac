"""Laying out and rasterising text blocks the way the exporters describe them.

One layout model serves every stage: a block's anchor ``(x, baseline)`` is the
left end, centre or right end of its first line's baseline (by alignment), and
each later line sits ``line_height_px`` lower. The analyser fits blocks with
this model, the PSD exporter stores the pixels it draws, and the SVG and PPTX
exporters place their text with the same numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .fonts import load_font
from .scene import Box, TextBlock, TextLine, TextRun, TextStyle

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


def style_font(style: TextStyle) -> ImageFont.FreeTypeFont:
    """The PIL font a style renders with (its ``font_file``, or the catalogue's match)."""
    from .fonts import catalogue

    path = style.font_file or catalogue().resolve(style.font_family, style.weight, style.italic).path
    return load_font(path, style.size_px)


def run_style(style: TextStyle, run: TextRun) -> TextStyle:
    """``style`` with a run's colour, weight and slant (the family's closest face for the latter)."""
    from .fonts import catalogue

    weight = style.weight if run.weight is None else run.weight
    italic = style.italic if run.italic is None else run.italic
    update: dict = {"color": run.color or style.color, "weight": weight, "italic": italic}
    if (weight, italic) != (style.weight, style.italic):
        face = catalogue().resolve(style.font_family, weight, italic)
        update.update(font_file=face.path, font_postscript=face.postscript)
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
    """Where each line of ``block`` starts, in canvas pixels, before rotation."""
    style = block.style
    placed = []
    for i, line in enumerate(block.lines):
        spans = line_spans(block, line)
        advance = spans_advance(spans, style.letter_spacing_px)
        if style.align == "center":
            x = block.x - advance / 2
        elif style.align == "right":
            x = block.x - advance
        else:
            x = block.x
        placed.append(PlacedLine(line.text, x, block.baseline + i * style.line_height_px, advance, spans))
    return placed


def hex_to_rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def rgb_to_hex(color: object) -> str:
    """``#rrggbb`` of an RGB triple (any numbers; rounded and clipped to 0..255)."""
    r, g, b = (int(v) for v in np.clip(np.rint(np.asarray(color, np.float64)), 0, 255))
    return f"#{r:02x}{g:02x}{b:02x}"


def _draw_line(draw: ImageDraw.ImageDraw, line: PlacedLine, dx: float, dy: float, spacing: float) -> None:
    x, y = line.x + dx, line.baseline + dy
    for text, style in line.spans:
        font, fill = style_font(style), hex_to_rgb(style.color) + (255,)
        if not spacing:
            draw.text((x, y), text, font=font, fill=fill, anchor="ls")
            x += font.getlength(text)
            continue
        for i, ch in enumerate(text):  # prefix lengths keep the font's kerning between tracked glyphs
            draw.text((x + font.getlength(text[:i]) + i * spacing, y), ch, font=font, fill=fill, anchor="ls")
        x += font.getlength(text) + len(text) * spacing


def render_block(block: TextBlock) -> tuple[Image.Image, tuple[int, int]] | None:
    """The block's pixels as a tight RGBA image and its top-left canvas offset.

    None when the block draws no ink (blank text).
    """
    ascent, descent = style_font(block.style).getmetrics()
    lines = place_lines(block)
    pad = int(math.ceil(block.style.size_px * 0.5)) + 2
    x0 = math.floor(min(line.x for line in lines)) - pad
    y0 = math.floor(lines[0].baseline - ascent) - pad
    x1 = math.ceil(max(line.x + line.advance for line in lines)) + pad
    y1 = math.ceil(lines[-1].baseline + descent) + pad
    image = Image.new("RGBA", (max(1, x1 - x0), max(1, y1 - y0)), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    for line in lines:
        _draw_line(draw, line, -x0, -y0, block.style.letter_spacing_px)
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
    return image.crop(bbox), (x0 + bbox[0], y0 + bbox[1])


def ink_box(block: TextBlock) -> Box | None:
    """The canvas box of the ink ``render_block`` draws."""
    rendered = render_block(block)
    if rendered is None:
        return None
    image, (left, top) = rendered
    return Box(x0=left, y0=top, x1=left + image.width, y1=top + image.height)
