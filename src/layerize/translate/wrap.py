"""Breaking a styled text into lines: words at spaces, CJK between characters, explicit breaks kept.

A text is cut into tokens, each with the glue before it: a space (words), nothing
(between two CJK characters, which break anywhere except before closing
punctuation) or a line break the text asks for. Lines are filled greedily to
a width; a token wider than the width gets a line of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..scene import Box, TextLine
from .markup import Override, Segment, run_of
from .scripts import char_script

NO_LINE_START = set("、。，．・：；？！ー―’”）〕］｝〉》」』】ヽヾゝゞ々ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ"
                    "?!)]},.:;%！？）％")
"""Characters a line may not start with (closing punctuation, small kana): they stay with what precedes."""
NO_LINE_END = set("‘“（〔［｛〈《「『【([{")
"""Characters a line may not end with (opening brackets): they stay with what follows."""


@dataclass(frozen=True)
class Token:
    """An unbreakable stretch (its styled parts) and the glue before it: ' ', '' or '\\n'."""

    parts: tuple[Segment, ...]
    glue: str

    @property
    def text(self) -> str:
        return "".join(text for text, _ in self.parts)


def breaks_between(previous: str, ch: str) -> bool:
    """Whether a line may break between two touching characters: next to a CJK one, unless punctuation
    forbids it."""
    cjk = char_script(previous) == "cjk" or char_script(ch) == "cjk"
    return cjk and ch not in NO_LINE_START and previous not in NO_LINE_END


def tokens(segments: list[Segment]) -> list[Token]:
    """The tokens of a styled text (runs of white space are one glue; a newline among them a forced break)."""
    found: list[Token] = []
    parts: list[Segment] = []
    glue = ""
    pending: str | None = None  # the glue seen since the last character
    for text, override in segments:
        for ch in text:
            if ch.isspace():
                if parts:
                    found.append(Token(tuple(parts), glue))
                    parts = []
                pending = "\n" if ch == "\n" or pending == "\n" else " "
                continue
            if parts and pending is None and breaks_between(parts[-1][0][-1], ch):
                found.append(Token(tuple(parts), glue))
                parts, pending = [], ""
            if not parts:
                glue, pending = (pending or "") if found else "", None
            if parts and parts[-1][1] == override:
                parts[-1] = (parts[-1][0] + ch, override)
            else:
                parts.append((ch, override))
    if parts:
        found.append(Token(tuple(parts), glue))
    return found


def wrap(items: list[Token], width: float, measure: Callable[[Token], float], space: float) -> list[list[Token]]:
    """Tokens in lines no wider than ``width`` (``measure``: a token's width; ``space``: a space's)."""
    lines: list[list[Token]] = [[]]
    used = 0.0
    for token in items:
        size = measure(token)
        if token.glue == "\n" and lines[-1]:
            lines.append([])
            used = 0.0
        gap = space if token.glue == " " and lines[-1] else 0.0
        if lines[-1] and used + gap + size > width:
            lines.append([token])
            used = size
        else:
            lines[-1].append(token)
            used += gap + size
    return lines


def line_text(line: list[Token]) -> list[Segment]:
    """A line's styled parts, the spaces between its words included (in the block's style when a
    neighbour has it: a styled run does not grow a space), adjacent parts of one style joined."""
    merged: list[Segment] = []

    def add(text: str, override: Override | None) -> None:
        if merged and merged[-1][1] == override:
            merged[-1] = (merged[-1][0] + text, override)
        else:
            merged.append((text, override))

    for i, token in enumerate(line):
        parts = list(token.parts)
        if i and token.glue == " ":
            if merged[-1][1] is None:
                add(" ", None)
            else:
                parts[0] = (" " + parts[0][0], parts[0][1])
        for text, override in parts:
            add(text, override)
    return merged


def scene_line(parts: list[Segment], box: Box) -> TextLine:
    """A scene line of styled ``parts`` (no runs when all are in the block's style)."""
    text = "".join(text for text, _ in parts)
    runs = None if all(override is None for _, override in parts) else [run_of(t, o) for t, o in parts]
    return TextLine(text=text, box=box, runs=runs)
