"""Siblings share a size: a poorly fitting label set again at the size of the well fitting texts aligned with it.

The labels of one chart axis, the cells of one table column, the items of one
row are aligned and, in a design, set alike. When one of them fits its ink
poorly (a tick mark, a rule or a neighbour inside its box inflated its
measured size) and its aligned siblings fit well at a clearly different size,
it is fitted again at theirs, in their face, and kept so when that render
explains its ink better. Texts that fit well are never changed, so a title
aligned with its subtitle keeps its own size.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from ..render import style_face
from ..scene import Box, TextBlock, TextStyle
from ..timing import timed
from .matching import REF_SIZE, reference
from .measured import MeasuredLine
from .refine import refine_block

POOR_FIT = 0.45
"""Fidelity below which a block's size is open to question."""
SIBLING_MARGIN = 0.15
"""How much better than the block its siblings must fit to set its size."""
SIZE_DISAGREEMENT = 0.25
"""Relative size difference from the siblings' size above which the block is fitted again."""
ALIGN_EM = 0.3
"""Alignment tolerance, in ems of the siblings' size (at least ALIGN_MIN_PX)."""
ALIGN_MIN_PX = 2.0
COLUMN_GAP_EM, ROW_GAP_EM = 12.0, 20.0
"""How far apart (ems) aligned texts may be and still be siblings: an axis's labels, not two corners."""


def _aligned(a: Box, b: Box, em: float) -> bool:
    """Same column (a left edge, centre or right edge in common, and near) or same row (the ink's bottom in
    common, and near)."""
    tolerance = max(ALIGN_MIN_PX, ALIGN_EM * em)
    column = min(abs(a.x0 - b.x0), abs(a.x1 - b.x1), abs((a.x0 + a.x1) - (b.x0 + b.x1)) / 2) <= tolerance
    if column and max(a.y0, b.y0) - min(a.y1, b.y1) <= COLUMN_GAP_EM * em:
        return True
    return abs(a.y1 - b.y1) <= tolerance and max(a.x0, b.x0) - min(a.x1, b.x1) <= ROW_GAP_EM * em


def _baselines(block: TextBlock, style: TextStyle, box: Box) -> tuple[float, ...]:
    """Where the block's baseline may be at the new size: where it was, at the ink's bottom (something above
    inflated the box), or below the ink's top by the glyphs' height (something below did)."""
    _, (_, top, _, _) = reference(style_face(style), block.lines[0].text.strip() or "x")
    return block.baseline, box.y1, round(box.y0 - top * style.size_px / REF_SIZE, 2)


def _eligible(block: TextBlock) -> bool:
    return block.fidelity is not None and not block.rotation and block.orientation == "horizontal"


@timed("text.harmony")
def harmonise(blocks: list[TextBlock], groups: list[list[MeasuredLine]], image: np.ndarray) -> list[TextBlock]:
    """``blocks`` (refined, each from the same-index paragraph of ``groups``) with poor fits set like their
    well fitting aligned siblings where that explains their ink better."""
    boxes = [b.box for b in blocks]
    result = list(blocks)
    for i, block in enumerate(blocks):
        if not _eligible(block) or block.fidelity >= POOR_FIT:  # type: ignore[operator]
            continue
        siblings = [s for j, s in enumerate(blocks) if j != i and _eligible(s)
                    and s.fidelity >= block.fidelity + SIBLING_MARGIN  # type: ignore[operator]
                    and _aligned(boxes[i], boxes[j], s.style.size_px)]
        if not siblings:
            continue
        size = float(np.median([s.style.size_px for s in siblings]))
        if abs(block.style.size_px / size - 1) <= SIZE_DISAGREEMENT:
            continue
        face = Counter(s.style.font_postscript for s in siblings).most_common(1)[0][0]
        model = next(s.style for s in siblings if s.style.font_postscript == face)
        scale = size / block.style.size_px
        style = block.style.model_copy(update={
            "font_family": model.font_family, "font_postscript": model.font_postscript,
            "font_file": model.font_file, "font_index": model.font_index, "weight": model.weight,
            "italic": model.italic, "size_px": round(size, 2),
            "line_height_px": round(block.style.line_height_px * scale, 2),
            "letter_spacing_px": model.letter_spacing_px, "font_match": None})
        trials = [refine_block(block.model_copy(update={"style": style, "baseline": baseline}), groups[i], image)
                  for baseline in _baselines(block, style, boxes[i])]
        best = max(trials, key=lambda t: t.fidelity or 0.0)
        if (best.fidelity or 0.0) > block.fidelity:  # type: ignore[operator]
            result[i] = best
    return result
