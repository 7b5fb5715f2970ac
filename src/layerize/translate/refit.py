"""Refitting a replacement text into its block's box.

A block's **box** is where its source text sits: the extent of its laid-out
lines (advance widths, the font's ascent and descent) joined with its ink,
before rotation, cut to the canvas. A replacement keeps the block's anchor
side (left, centre or right by its alignment; a right-to-left text in a
left-aligned block is set right-aligned at the box's right edge, and back),
its style (an Arabic text without letter spacing, which would break its joins) and its box:

* a single line that no longer fits shrinks, down to the **floor**
  (:data:`FLOOR` of its size, and never under :data:`MIN_SIZE_PX`), then,
  if that is not enough, wraps when the box is tall enough for more lines;
* a paragraph (several lines, or a text with line breaks of its own)
  rewraps inside the box's width and shrinks only when its height overflows;
* a text that does not fit even at the floor is set smaller still so it
  stays inside its box, and reported with how much more room it needs.

One line stays centred on the source's ink; several lines start at its top.
Every exporter lays the refit block out from the same lines and sizes, so
each file shows it the same way. The result is checked against the box with
the glyph boxes of the fonts every exporter's pixels are drawn with.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from ..render import column_advance, glyph_box, ink_box, place_lines, run_style, style_font
from ..scene import Box, Canvas, TextBlock, TextStyle
from .markup import block_overrides, parse_markup, plain_text, run_of, to_markup
from .scripts import is_rtl, style_for, text_script
from .wrap import Token, line_text, scene_line, tokens, wrap

FLOOR = 0.5
"""A replacement may shrink to half its block's size before it counts as not fitting."""
MIN_SIZE_PX = 6.0
"""... and not under 6 px (a block already smaller keeps its size as its floor)."""
STEP = 0.98
"""Each try is 2 % smaller than the last."""
SMALLEST = 0.02
"""The least a text that does not fit is scaled to, to stay inside its box."""
SLACK_PX = 0.5
"""How far the rendered ink may pass the box (anti-aliasing)."""
CHECKS = 4
"""Times the rendered result is checked and shrunk if it passes its box."""
UNTRACKED = ("arabic",)
"""Joined scripts set without letter spacing (tracking would pull their letters apart)."""


@dataclass(frozen=True)
class Frame:
    """A block's box before rotation (canvas pixels about the block's anchor) and its ink's top and bottom."""

    left: float
    top: float
    right: float
    bottom: float
    ink_top: float
    ink_bottom: float


@dataclass(frozen=True)
class Fit:
    """How one block took one language's text: ``status`` is ``unchanged`` (the source text),
    ``untranslated`` (no text given: the source kept), ``fits`` (full size), ``shrunk`` (down to the
    floor) or ``overflow`` (not even at the floor: ``overflow`` is how much more room, as a fraction of
    the box, the text needs there)."""

    block: str
    language: str
    status: str
    scale: float
    size_px: float
    lines: int
    overflow: float = 0.0

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "scale": round(self.scale, 4), "size_px": round(self.size_px, 2),
                "overflow": round(self.overflow, 4)}

    def describe(self) -> str:
        """One line for the command line's report."""
        change = f"{self.size_px:.1f}px ({self.scale - 1:+.0%}), {self.lines} line{'s' * (self.lines != 1)}"
        if self.status == "overflow":
            return f"{self.language}: {self.block}: does not fit at the floor ({FLOOR:.0%}): needs " \
                   f"{self.overflow:.0%} more room; set at {change}"
        return f"{self.language}: {self.block}: {self.status} at {change}"


def frame_of(block: TextBlock, canvas: Canvas) -> Frame:
    """The block's box (see the module notes)."""
    flat = block.model_copy(update={"rotation": 0.0})
    lines = place_lines(flat)
    size = block.style.size_px
    if block.orientation == "vertical":
        left, right = min(li.x for li in lines) - size / 2, max(li.x for li in lines) + size / 2
        top, bottom = min(li.baseline for li in lines), max(li.baseline + li.advance for li in lines)
    else:
        ascent, descent = style_font(block.style).getmetrics()
        left, right = min(li.x for li in lines), max(li.x + li.advance for li in lines)
        top, bottom = lines[0].baseline - ascent, lines[-1].baseline + descent
    ink = ink_box(flat) or Box(x0=left, y0=top, x1=right, y1=bottom)
    left, top, right, bottom = min(left, ink.x0), min(top, ink.y0), max(right, ink.x1), max(bottom, ink.y1)
    if not block.rotation:
        left, top, right, bottom = max(left, 0), max(top, 0), min(right, canvas.width), min(bottom, canvas.height)
    return Frame(left, top, right, bottom, ink.y0, ink.y1)


def floor_of(style: TextStyle) -> float:
    """The smallest scale of ``style`` that still counts as fitting."""
    return min(1.0, max(FLOOR, MIN_SIZE_PX / style.size_px))


def scaled(style: TextStyle, scale: float) -> TextStyle:
    """``style`` at ``scale`` of its size, line height and letter spacing."""
    return style.model_copy(update={"size_px": style.size_px * scale, "line_height_px": style.line_height_px * scale,
                                    "letter_spacing_px": style.letter_spacing_px * scale})


class Measure:
    """Widths of tokens in a style (they scale with its size); the ink's extent above and below the
    baseline of every token measured so far."""

    def __init__(self, style: TextStyle) -> None:
        self.style = style
        font = style_font(style)
        self.space = font.getlength(" ") + style.letter_spacing_px
        self.ink_top, self.ink_bottom = 0.0, 0.0

    def width(self, token: Token) -> float:
        total = 0.0
        for text, override in token.parts:
            font = style_font(run_style(self.style, run_of(text, override)))
            total += font.getlength(text) + self.style.letter_spacing_px * len(text)
            _, top, _, bottom = font.getbbox(text, anchor="ls")
            self.ink_top, self.ink_bottom = min(self.ink_top, top), max(self.ink_bottom, bottom)
        return total

    def line(self, line: list[Token], widths: dict[int, float]) -> float:
        """Width of a line of tokens whose widths are ``widths`` (by token id), its spaces included."""
        return sum(widths[id(t)] for t in line) + self.space * sum(1 for i, t in enumerate(line) if i and t.glue == " ")


class Layout:
    """A text set in a block: its lines at a scale, and the search for the largest scale that fits."""

    def __init__(self, block: TextBlock, style: TextStyle, items: list[Token], frame: Frame, x: float) -> None:
        self.block, self.style, self.items, self.frame, self.x = block, style, items, frame, x
        self.measure = Measure(style)
        self.widths = {id(t): self.measure.width(t) for t in items}
        align = style.align
        room = {"right": x - frame.left, "center": 2 * min(x - frame.left, frame.right - x)}
        self.width = max(1.0, room.get(align, frame.right - x))
        self.height = frame.bottom - frame.top

    def lines(self, scale: float, wrapped: bool) -> list[list[Token]]:
        if not wrapped:
            return wrap(self.items, float("inf"), lambda t: self.widths[id(t)], self.measure.space)
        return wrap(self.items, self.width / scale, lambda t: self.widths[id(t)], self.measure.space)

    def needs(self, lines: list[list[Token]]) -> tuple[float, float]:
        """Width and height ``lines`` take at full size."""
        widest = max(self.measure.line(line, self.widths) for line in lines)
        tall = (len(lines) - 1) * self.style.line_height_px + self.measure.ink_bottom - self.measure.ink_top
        return widest, tall

    def best(self, scale: float, wrapped: bool) -> float:
        """The largest scale up to ``scale`` at which the lines fit the box."""
        widest, tall = self.needs(self.lines(scale, wrapped))
        return min(scale, self.width / max(widest, 1e-9), self.height / max(tall, 1e-9))

    def search(self, top: float, bottom: float, wrapped: bool) -> float | None:
        """The largest scale in ``[bottom, top]`` at which the text fits, trying every :data:`STEP`."""
        scale = top
        while scale >= bottom - 1e-9:
            fit = self.best(scale, wrapped)
            if fit >= scale - 1e-9 or (not wrapped and fit >= bottom):
                return fit
            scale *= STEP
        return None


def flipped_align(align: str, source_rtl: bool, target_rtl: bool) -> str:
    """Right-to-left text reads from the right: a left-aligned block turns right-aligned, and back."""
    if target_rtl and not source_rtl and align in ("left", "justify"):
        return "right"
    if source_rtl and not target_rtl and align == "right":
        return "left"
    return align


def refit(block: TextBlock, text: str, language: str, frame: Frame) -> tuple[TextBlock, Fit]:
    """``block`` showing ``text`` (style tags allowed, see :mod:`.markup`), refit into ``frame``."""
    if text == to_markup(block):
        return block, Fit(block.id, language, "unchanged", 1.0, block.style.size_px, len(block.lines))
    segments = parse_markup(text, block_overrides(block))
    plain = plain_text(text)
    script = text_script(plain)
    style = style_for(block.style, plain, language)
    align = flipped_align(style.align, is_rtl(text_script(block.text)), is_rtl(script))
    style = style.model_copy(update={"align": align, **({"letter_spacing_px": 0.0} if script in UNTRACKED else {})})
    items = tokens(segments)
    if not items:
        return _placed(block, style, [[]], 1.0, frame, block.x), Fit(block.id, language, "fits", 1.0,
                                                                      style.size_px, 1)
    if block.orientation == "vertical":
        return _vertical(block, style, plain, language, frame)
    if align != block.style.align:  # flipped: the anchor moves to the box's other side
        x = frame.right if align == "right" else frame.left
    else:
        x = min(max(block.x, frame.left), frame.right)
    layout = Layout(block, style, items, frame, x)
    floor = floor_of(block.style)
    paragraph = len(block.lines) > 1 or any(t.glue == "\n" for t in items)
    found = None if paragraph else layout.search(1.0, floor, wrapped=False)
    wrapped = found is None
    if found is None:
        found = layout.search(1.0, floor, wrapped=True)
    if found is None:  # not even at the floor: smaller still, to stay inside the box
        single = layout.best(floor, False)
        several = layout.search(floor, SMALLEST, True) or SMALLEST
        wrapped, found = several > single, max(single, several)
    new = _checked(layout, found, wrapped)
    scale = new.style.size_px / block.style.size_px
    overflow = max(0.0, floor / scale - 1) if scale < floor - 1e-6 else 0.0
    status = "overflow" if overflow else "fits" if scale >= 1 - 1e-6 else "shrunk"
    return new, Fit(block.id, language, status, scale, new.style.size_px, len(new.lines), overflow)


def _checked(layout: Layout, scale: float, wrapped: bool) -> TextBlock:
    """The block at ``scale``, shrunk further while its glyphs pass the box."""
    frame, extent = layout.frame, (layout.measure.ink_top, layout.measure.ink_bottom)
    for _ in range(CHECKS):
        new = _placed(layout.block, layout.style, layout.lines(scale, wrapped), scale, frame, layout.x, extent)
        ink = glyph_box(new.model_copy(update={"rotation": 0.0, **_unrotated(new, layout.block)}))
        over_x = 0.0 if ink is None else max(frame.left - ink.x0, ink.x1 - frame.right, 0.0)
        over_y = 0.0 if ink is None else max(frame.top - ink.y0, ink.y1 - frame.bottom, 0.0)
        if max(over_x, over_y) <= SLACK_PX:
            return new
        width, height = frame.right - frame.left, frame.bottom - frame.top
        scale *= min(width / (width + 2 * over_x), height / (height + 2 * over_y), STEP)
    return _placed(layout.block, layout.style, layout.lines(scale, wrapped), scale, frame, layout.x, extent)


def _unrotated(new: TextBlock, old: TextBlock) -> dict[str, float]:
    """The anchor of ``new`` in the unrotated frame of ``old`` (where :class:`Frame` is measured)."""
    return dict(zip(("x", "baseline"), _turn(new.x - old.x, new.baseline - old.baseline, -old.rotation,
                                              old.x, old.baseline)))


def _turn(dx: float, dy: float, degrees: float, x: float, y: float) -> tuple[float, float]:
    """``(x, y)`` plus the offset ``(dx, dy)`` turned ``degrees`` counter-clockwise on screen."""
    a = math.radians(degrees)
    return x + dx * math.cos(a) + dy * math.sin(a), y - dx * math.sin(a) + dy * math.cos(a)


def _placed(block: TextBlock, style: TextStyle, lines: list[list[Token]], scale: float, frame: Frame,
            x: float, ink: tuple[float, float] = (0.0, 0.0)) -> TextBlock:
    """The block with ``lines`` at ``scale``, anchored at ``x`` and placed vertically in ``frame`` (``ink``:
    the text's ink above and below the baseline at full size)."""
    style = scaled(style, scale)
    top, bottom = ink[0] * scale, ink[1] * scale
    depth = (len(lines) - 1) * style.line_height_px
    if len(lines) == 1:
        baseline = (frame.ink_top + frame.ink_bottom) / 2 - (top + bottom) / 2
    else:
        baseline = frame.ink_top - top
    baseline = max(min(baseline, frame.bottom - depth - bottom), frame.top - top)
    ascent, descent = style_font(style).getmetrics()
    boxes = [Box(x0=frame.left, y0=baseline + i * style.line_height_px - ascent, x1=frame.right,
                 y1=baseline + i * style.line_height_px + descent) for i in range(len(lines))]
    new_lines = [scene_line(line_text(line), box) for line, box in zip(lines, boxes)]
    ax, ay = _turn(x - block.x, baseline - block.baseline, block.rotation, block.x, block.baseline)
    return block.model_copy(update={"style": style, "lines": new_lines, "x": ax, "baseline": ay})


def _vertical(block: TextBlock, style: TextStyle, text: str, language: str, frame: Frame) -> tuple[TextBlock, Fit]:
    """A vertical block keeps its anchor and takes a column per line of ``text`` (in the block's style, style
    tags dropped), shrunk to fit its box: columns are not rewrapped."""
    columns = text.split("\n")
    size, spacing = style.size_px, style.letter_spacing_px
    along = max(column_advance(c, size, spacing) for c in columns)
    across = (len(columns) - 1) * style.line_height_px + size
    fit = min(1.0, (frame.bottom - frame.top) / max(along, 1e-9), (frame.right - frame.left) / max(across, 1e-9))
    floor = floor_of(block.style)
    overflow = max(0.0, floor / fit - 1) if fit < floor else 0.0
    lines = [scene_line([(c, None)], block.lines[0].box) for c in columns]
    new = block.model_copy(update={"style": scaled(style, fit), "lines": lines})
    status = "overflow" if overflow else "fits" if fit >= 1 - 1e-6 else "shrunk"
    return new, Fit(block.id, language, status, fit, new.style.size_px, len(lines), overflow)
