"""Paragraphs: measured lines grouped into text blocks, with their alignment, face, size and tracking.

Lines with the same size and colour, a regular pitch and aligned edges become
one block; its alignment is read from where the lines start and end.
"""

from __future__ import annotations

import re

import numpy as np

from ..fonts import FontCatalogue, FontFace, load_font
from ..primitives.color import color_distance, rgb_to_hex
from ..render import column_advance, line_advance
from ..scene import Provenance, TextBlock, TextLine, TextStyle
from .matching import REF_SIZE, covers, fit_font, reference
from .measured import FontFit, MeasuredLine


def _continues(group: list[MeasuredLine], line: MeasuredLine) -> bool:
    """Whether ``line`` is the next line of the paragraph ``group``.

    Both level, same size and colour, a baseline pitch of 0.9-1.7 em that
    repeats the paragraph's pitch so far, and an edge or the centre aligned.
    """
    prev = group[-1]
    if prev.angle or line.angle or prev.vertical != line.vertical:
        return False
    a, b = prev.best, line.best
    size = max(a.size, b.size)
    if abs(a.size - b.size) > 0.2 * size or color_distance(prev.color, line.color) > 48:
        return False
    vertical = line.vertical  # columns follow each other right to left, lines top to bottom

    def step(later: FontFit, earlier: FontFit) -> float:
        return earlier.x - later.x if vertical else later.baseline - earlier.baseline

    pitch = step(b, a)
    if not 0.9 * size <= pitch <= (2.0 if vertical else 1.7) * size:
        return False
    if len(group) > 1 and abs(pitch - step(a, group[-2].best)) > 0.15 * pitch:
        return False
    (a0, a1), (b0, b1) = ((m.box.y0, m.box.y1) if vertical else (m.box.x0, m.box.x1) for m in (prev, line))
    if b0 >= a1 or a0 >= b1:
        return False
    edges = (a0 - b0, (a0 + a1 - b0 - b1) / 2, a1 - b1)
    return min(abs(e) for e in edges) <= 0.6 * size


def _between(lines: list[MeasuredLine], upper: MeasuredLine, lower: MeasuredLine) -> bool:
    """Whether another of ``lines`` lies between two level lines, across both: they are not consecutive."""
    def centre(m: MeasuredLine) -> float:
        return (m.box.y0 + m.box.y1) / 2

    top, bottom = sorted((centre(upper), centre(lower)))
    x0, x1 = max(upper.box.x0, lower.box.x0), min(upper.box.x1, lower.box.x1)
    return any(top < centre(m) < bottom and m.box.x0 < x1 and m.box.x1 > x0
               for m in lines if m is not upper and m is not lower)


def group_lines(lines: list[MeasuredLine], paragraphs: bool = True) -> list[list[MeasuredLine]]:
    """Lines grouped into paragraphs, in reading order (top to bottom, left to right; columns right to left).

    A paragraph's lines are consecutive: a line joins one only when no other
    line lies between them.
    """
    ordered = sorted(lines, key=lambda m: (m.vertical, -m.best.x if m.vertical else m.best.baseline, m.box.x0))
    groups: list[list[MeasuredLine]] = []
    for line in ordered:
        target = None
        if paragraphs:
            candidates = [g for g in groups if _continues(g, line)
                          and (line.vertical or not _between(lines, g[-1], line))]
            target = min(candidates, key=lambda g: line.best.baseline - g[-1].best.baseline, default=None)
        if target is None:
            groups.append([line])
        else:
            target.append(line)
    return sorted(groups, key=lambda g: (round(g[0].box.y0 / 8), g[0].box.x0))


def _align(xs: list[float], advances: list[float], canvas_width: int) -> tuple[str, float]:
    """Alignment of a paragraph and its anchor x, from where its lines start and end."""
    lefts = np.array(xs)
    rights = lefts + np.array(advances)
    centres = (lefts + rights) / 2
    if len(xs) == 1:
        if abs(centres[0] - canvas_width / 2) <= 0.015 * canvas_width:
            return "center", float(centres[0])
        return "left", float(lefts[0])
    spreads = {"left": np.ptp(lefts), "center": np.ptp(centres), "right": np.ptp(rights)}
    align = min(spreads, key=lambda k: (spreads[k], k != "left"))
    anchor = {"left": lefts, "center": centres, "right": rights}[align]
    return align, float(np.mean(anchor))


PRICE = re.compile(r"[$€£¥]\s?\d|\d\s?[$€£¥]")


def assign_roles(blocks: list[TextBlock]) -> None:
    """Each block's role, from its content: a price, the title (the largest other text) or text."""
    prices = {b.id for b in blocks if PRICE.search(b.text)}
    others = [b for b in blocks if b.id not in prices]
    title = max(others, key=lambda b: b.style.size_px).id if others else None
    for block in blocks:
        block.role = "price" if block.id in prices else "title" if block.id == title else "text"


def _tracking(group: list[MeasuredLine], face: FontFace, size: float) -> float:
    """Letter spacing (px) that explains lines wider than ``face`` draws them; 0 when within noise."""
    spacings = []
    for line in group:
        if len(line.text) < 4:
            continue
        _, (ix0, iy0, ix1, iy1) = reference(face, line.text, vertical=line.vertical)
        drawn = ((iy1 - iy0) if line.vertical else (ix1 - ix0)) * size / REF_SIZE
        spacings.append((line.upright.shape[0 if line.vertical else 1] - drawn) / (len(line.text) - 1))
    if not spacings:
        return 0.0
    spacing = float(np.median(spacings))
    return round(spacing, 2) if 0.02 * size <= abs(spacing) <= 0.5 * size else 0.0


def _choose_face(group: list[MeasuredLine], fonts: FontCatalogue, face: FontFace | None = None
                 ) -> tuple[FontFace, list[FontFit]]:
    """The face that explains the paragraph best (votes weighted by length), its italic twin if better;
    or ``face``, when it fits every line."""
    if face is not None:
        chosen = [line.fits.get(face.postscript) or fit_font(line, face) for line in group]
        if all(chosen):
            return face, chosen  # type: ignore[return-value]
    votes: dict[str, float] = {}
    for line in group:
        for name, fit in line.fits.items():
            votes[name] = votes.get(name, 0.0) + fit.score * len(line.text)
    name = max(votes, key=lambda n: (votes[n], n))
    fits = [line.fits.get(name) or line.best for line in group]
    face = fits[0].face
    twin = fonts.find(face.family, face.weight, italic=not face.italic)
    if twin is not None and twin.italic != face.italic and all(covers(twin, m.text) for m in group):
        twin_fits = [fit_font(m, twin) for m in group]
        if all(twin_fits) and np.mean([f.score for f in twin_fits]) > np.mean([f.score for f in fits]) + 0.03:
            return twin, twin_fits  # type: ignore[return-value]
    return face, fits


def build_block(index: int, group: list[MeasuredLine], canvas_width: int, engine: str,
                fonts: FontCatalogue, face: FontFace | None = None) -> TextBlock:
    """One :class:`TextBlock` from a paragraph of measured lines (set in ``face``, if given and it fits)."""
    face, fits = _choose_face(group, fonts, face)
    size = float(np.median([f.size for f in fits]))
    spacing = _tracking(group, face, size)
    font = load_font(face.path, size, face.index)
    rotation, vertical = group[0].angle, group[0].vertical
    baselines = [f.baseline for f in fits]
    if vertical:  # the anchor runs along the first column; columns step leftwards
        align, x = "left", fits[0].x
        if len(group) > 1:
            lengths = [column_advance(line.text, size, spacing) for line in group]
            align, baselines[0] = _align(baselines, lengths, canvas_width)
        steps = -np.diff([f.x for f in fits])
    else:
        advances = [line_advance(font, line.text, spacing) for line in group]
        align, x = ("left", fits[0].x) if rotation else _align([f.x for f in fits], advances, canvas_width)
        steps = np.diff(baselines)
    pitch = float(np.median(steps)) if len(fits) > 1 else round(size * 1.2, 2)
    weights = np.array([len(line.text) for line in group], np.float64)
    color = np.average(np.array([line.color for line in group], np.float64), axis=0, weights=weights)
    style = TextStyle(
        font_family=face.family,
        font_postscript=face.postscript,
        font_file=face.path,
        font_index=face.index,
        size_px=round(size, 2),
        weight=face.weight,
        italic=face.italic,
        color=rgb_to_hex(color),
        align=align,  # type: ignore[arg-type]
        line_height_px=round(max(pitch, 1.0), 2),
        letter_spacing_px=spacing,
        font_match=round(float(np.mean([f.score for f in fits])), 4),
    )
    lines = [TextLine(text=m.text, box=m.box, confidence=round(m.ocr.score, 4)) for m in group]
    confidence = float(np.average([m.ocr.score for m in group], weights=weights))
    return TextBlock(
        id=f"text-{index}",
        lines=lines,
        style=style,
        x=round(x, 2),
        baseline=round(baselines[0], 2),
        rotation=round(rotation, 2),
        orientation="vertical" if vertical else "horizontal",
        provenance=Provenance(engine=engine, confidence=round(min(1.0, confidence), 4)),
    )

