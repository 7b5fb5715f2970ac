"""Style runs in a replacement text: ``{1}…{/1}`` tags for the source's runs and ``**…**`` for bold.

The texts table shows a line's style runs as numbered tags: ``{n}`` is the
n-th distinct way a run of the block differs from the block's style (its
colour, weight, slant), in reading order, so ``Now {1}$19{/1} only`` keeps the
red price red in every language that keeps the tags. ``**text**`` sets a
stretch bold. Text outside any tag takes the block's style.
"""

from __future__ import annotations

import re

from ..scene import TextBlock, TextRun

Override = tuple[str | None, int | None, bool | None]
"""How a run differs from its block: colour, weight, slant (None: the block's)."""
Segment = tuple[str, Override | None]
"""A stretch of a text and its style (None: the block's)."""

BOLD: Override = (None, 700, None)
TAG = re.compile(r"\{(\d{1,3})\}(.*?)\{/\1\}|\*\*(.+?)\*\*", re.S)
STRAY = re.compile(r"\{/?\d{1,3}\}")


def override_of(block: TextBlock, run: TextRun) -> Override | None:
    """How ``run`` differs from its block's style; None when it does not."""
    style = block.style
    found = (run.color if run.color not in (None, style.color) else None,
             run.weight if run.weight not in (None, style.weight) else None,
             run.italic if run.italic not in (None, style.italic) else None)
    return None if found == (None, None, None) else found


def block_overrides(block: TextBlock) -> list[Override]:
    """The distinct run styles of ``block`` in reading order: ``{1}`` is the first."""
    found: list[Override] = []
    for line in block.lines:
        for run in line.runs or ():
            override = override_of(block, run)
            if override is not None and override not in found:
                found.append(override)
    return found


def to_markup(block: TextBlock) -> str:
    """The block's text with its style runs tagged (lines joined by newlines)."""
    overrides = block_overrides(block)
    lines = []
    for line in block.lines:
        parts = []
        runs = line.runs or ([TextRun(text=line.text)] if line.text else [])
        for run in runs:
            override = override_of(block, run)
            n = overrides.index(override) + 1 if override else 0
            parts.append(f"{{{n}}}{run.text}{{/{n}}}" if n else run.text)
        lines.append("".join(parts))
    return "\n".join(lines)


def parse_markup(text: str, overrides: list[Override]) -> list[Segment]:
    """The stretches of ``text`` and their styles; ValueError for an unknown or unclosed tag."""
    segments: list[Segment] = []
    end = 0
    for match in TAG.finditer(text):
        segments.append((text[end:match.start()], None))
        if match.group(3) is not None:
            segments.append((match.group(3), BOLD))
        else:
            n = int(match.group(1))
            if not 1 <= n <= len(overrides):
                raise ValueError(f"unknown style tag {{{n}}} (the block has {len(overrides)} styled runs)")
            segments.append((match.group(2), overrides[n - 1]))
        end = match.end()
    segments.append((text[end:], None))
    stray = next((STRAY.search(part) for part, _ in segments if STRAY.search(part)), None)
    if stray is not None:
        raise ValueError(f"unclosed style tag {stray.group(0)}")
    return [(part, override) for part, override in segments if part]


def plain_text(text: str) -> str:
    """``text`` without its style tags."""
    return TAG.sub(lambda m: m.group(2) if m.group(3) is None else m.group(3), text)


def run_of(text: str, override: Override | None) -> TextRun:
    """A scene run of ``text`` in ``override``'s style."""
    color, weight, italic = override or (None, None, None)
    return TextRun(text=text, color=color, weight=weight, italic=italic)
