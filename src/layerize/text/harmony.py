"""Siblings are set alike: aligned texts of one look share a face, and a poorly fitting label takes the size of
the well fitting texts aligned with it.

The labels of one chart axis, the cells of one table column, the items of one
row are aligned and, in a design, set alike. When one of them fits its ink
poorly (a tick mark, a rule or a neighbour inside its box inflated its
measured size) and its aligned siblings fit well at a clearly different size,
it is fitted again at theirs, in their face, and kept so when that render
explains its ink better. Texts that fit well are never changed, so a title
aligned with its subtitle keeps its own size.

Short strings say little about their face (a chart value, a table cell), so
their best fits scatter over the catalogue: aligned texts of one colour and
about one size are first set in the face their renders explain best (the
face whose texts fit best, summed), each keeping it only when its own render
holds up (:func:`share_faces`).
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from ..fonts import FontCatalogue
from ..primitives.color import color_distance, hex_to_rgb
from ..primitives.groups import joined_groups
from ..render import style_face
from ..scene import Box, TextBlock, TextStyle
from ..timing import timed
from .matching import REF_SIZE, reference
from .measured import MeasuredLine
from .paragraphs import build_block
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


SHARE_SIZE, SHARE_COLOR = 0.2, 24.0
"""Aligned texts within SHARE_SIZE of each other's size and SHARE_COLOR of each other's colour are one role."""
SHARE_MIN = 3
"""Fewest texts of one role that share a face: two aligned texts may be a title and its subtitle."""
SHARE_MARGIN = 0.03
"""Fidelity a text may give up to take its role's face."""


def _roles(blocks: list[TextBlock]) -> list[list[int]]:
    """Groups of block indices set alike in a design: aligned, of one colour, about one size."""

    def alike(a: TextBlock, b: TextBlock) -> bool:
        size = min(a.style.size_px, b.style.size_px)
        return (_eligible(a) and _eligible(b) and abs(a.style.size_px - b.style.size_px) <= SHARE_SIZE * size
                and color_distance(hex_to_rgb(a.style.color), hex_to_rgb(b.style.color)) <= SHARE_COLOR
                and _aligned(a.box, b.box, size))

    pairs = ((i, j) for i in range(len(blocks)) for j in range(i + 1, len(blocks)) if alike(blocks[i], blocks[j]))
    roles: dict[int, list[int]] = {}
    for i, root in enumerate(joined_groups(len(blocks), pairs)):
        roles.setdefault(int(root), []).append(i)
    return [members for members in roles.values() if len(members) >= SHARE_MIN]


@timed("text.harmony")
def share_faces(blocks: list[TextBlock], groups: list[list[MeasuredLine]], image: np.ndarray,
                fonts: FontCatalogue, engine: str) -> list[TextBlock]:
    """``blocks`` (each from the same-index paragraph of ``groups``, numbered from 1), the members of each
    role set in the face whose members fit best (fidelity summed), where their own render holds up."""
    result = list(blocks)
    for members in _roles(blocks):
        votes: dict[str, float] = {}
        for i in members:
            name = blocks[i].style.font_postscript
            votes[name] = votes.get(name, 0.0) + (blocks[i].fidelity or 0.0)
        name = max(votes, key=lambda n: (votes[n], n))
        shared = next((fit.face for i in members for line in groups[i] for fit in line.fits.values()
                       if fit.face.postscript == name), None)
        if shared is None:
            continue  # an italic twin, chosen after the fits
        for i in members:
            if blocks[i].style.font_postscript == name:
                continue
            again = refine_block(build_block(i + 1, groups[i], image.shape[1], engine, fonts, shared), groups[i],
                                 image)
            if (again.fidelity or 0.0) >= (blocks[i].fidelity or 0.0) - SHARE_MARGIN:
                result[i] = again
    return result
