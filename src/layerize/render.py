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
from .scene import Box, TextBlock, TextStyle


@dataclass(frozen=True)
class PlacedLine:
    """A line's text and the left end of its baseline, before rotation."""

    text: str
    x: float
    baseline: float
    advance: float


def style_font(style: TextStyle) -> ImageFont.FreeTypeFont:
    """The PIL font a style renders with (its ``font_file``, or the catalogue's match)."""
    from .fonts import catalogue

    path = style.font_file or catalogue().resolve(style.font_family, style.weight, style.italic).path
    return load_font(path, style.size_px)


def line_advance(font: ImageFont.FreeTypeFont, text: str, letter_spacing: float = 0.0) -> float:
    """Advance width of ``text`` in pixels, tracking included."""
    return font.getlength(text) + letter_spacing * max(0, len(text) - 1)


def place_lines(block: TextBlock, font: ImageFont.FreeTypeFont | None = None) -> list[PlacedLine]:
    """Where each line of ``block`` starts, in canvas pixels, before rotation."""
    font = font or style_font(block.style)
    style = block.style
    placed = []
    for i, line in enumerate(block.lines):
        advance = line_advance(font, line.text, style.letter_spacing_px)
        if style.align == "center":
            x = block.x - advance / 2
        elif style.align == "right":
            x = block.x - advance
        else:
            x = block.x
        placed.append(PlacedLine(line.text, x, block.baseline + i * style.line_height_px, advance))
    return placed


def hex_to_rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def _draw_line(draw: ImageDraw.ImageDraw, line: PlacedLine, dx: float, dy: float,
               font: ImageFont.FreeTypeFont, fill: tuple[int, int, int, int], spacing: float) -> None:
    if not spacing:
        draw.text((line.x + dx, line.baseline + dy), line.text, font=font, fill=fill, anchor="ls")
        return
    x = line.x + dx
    for ch in line.text:
        draw.text((x, line.baseline + dy), ch, font=font, fill=fill, anchor="ls")
        x += font.getlength(ch) + spacing


def render_block(block: TextBlock) -> tuple[Image.Image, tuple[int, int]] | None:
    """The block's pixels as a tight RGBA image and its top-left canvas offset.

    None when the block draws no ink (blank text).
    """
    font = style_font(block.style)
    lines = place_lines(block, font)
    ascent, descent = font.getmetrics()
    pad = int(math.ceil(block.style.size_px * 0.5)) + 2
    x0 = math.floor(min(line.x for line in lines)) - pad
    y0 = math.floor(lines[0].baseline - ascent) - pad
    x1 = math.ceil(max(line.x + line.advance for line in lines)) + pad
    y1 = math.ceil(lines[-1].baseline + descent) + pad
    image = Image.new("RGBA", (max(1, x1 - x0), max(1, y1 - y0)), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    fill = hex_to_rgb(block.style.color) + (255,)
    for line in lines:
        _draw_line(draw, line, -x0, -y0, font, fill, block.style.letter_spacing_px)
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


def composite(base: np.ndarray, layer: Image.Image, offset: tuple[int, int]) -> np.ndarray:
    """``layer`` (RGBA) alpha-blended onto an RGB array at ``offset``; returns a new array."""
    out = base.astype(np.float32).copy()
    h, w = out.shape[:2]
    left, top = offset
    x0, y0 = max(0, left), max(0, top)
    x1, y1 = min(w, left + layer.width), min(h, top + layer.height)
    if x1 <= x0 or y1 <= y0:
        return base.copy()
    patch = np.asarray(layer, dtype=np.float32)[y0 - top:y1 - top, x0 - left:x1 - left]
    alpha = patch[..., 3:4] / 255.0
    out[y0:y1, x0:x1] = patch[..., :3] * alpha + out[y0:y1, x0:x1] * (1 - alpha)
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)
