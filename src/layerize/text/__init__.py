"""Text analysis, the second stage: OCR lines measured from the pixels and grouped into text blocks.

The modules, in the order they run: :mod:`.ocr` finds and reads the lines;
:mod:`.columns` joins the pieces of vertical CJK columns; :mod:`.lines` measures
each line (:mod:`.ink` separates its ink, :mod:`.spelling` squares its string with it,
:mod:`.matching` fits the candidate fonts, at each angle the line may be read at); :mod:`.paragraphs`
groups lines into blocks; :mod:`.refine` renders and compares each block;
:mod:`.harmony` sets aligned texts of one look in one face and poorly fitting labels like
their aligned siblings; thin glyphs then take their paint from their ink mass; a large lone
character that fits poorly is a graphic OCR misread and left to the objects (:func:`is_graphic`), and a
block OCR was unsure of that fits poorly a misreading left in the plate (:func:`is_misread`); and
:mod:`.effects` reads gradient fills, outlines and drop shadows around it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np

from ..config import Config
from ..fonts import catalogue
from ..scene import TextBlock
from .columns import join_columns
from .effects import effects_mask, measure_effects, with_outline
from .harmony import harmonise, share_faces
from .lines import measure_line
from .ocr import OcrEngine, OcrLine
from .paragraphs import assign_roles, build_block, group_lines
from .refine import paint_thin, refine_block, text_fidelity, text_mask

__all__ = ["OcrEngine", "OcrLine", "TextAnalysis", "analyse_text", "text_fidelity"]


@dataclass
class TextAnalysis:
    """The text blocks found, in reading order, and the pixels their ink (and effects) cover."""

    blocks: list[TextBlock]
    mask: np.ndarray


def analyse_text(image: np.ndarray, lines: list[OcrLine], ocr: OcrEngine, cfg: Config) -> TextAnalysis:
    """Text blocks for the OCR ``lines`` of ``image`` (``ocr`` reads turned and unsure lines again)."""
    lines = join_columns([line for line in lines if line.score >= cfg.ocr.min_confidence])
    fonts = catalogue(tuple(cfg.text.font_dirs))
    fallback = fonts.resolve(cfg.text.fallback_font)
    families = cfg.text.candidate_fonts if cfg.text.match_fonts else [cfg.text.fallback_font]
    faces = [face for family in families for weight in (400, 700)
             if (face := fonts.find(family, weight)) is not None]
    faces = list(dict.fromkeys(faces)) or [fallback]
    measured = [m for line in lines if (m := measure_line(image, line, faces, fallback, ocr)) is not None]
    groups = group_lines(measured, paragraphs=cfg.text.group_paragraphs)
    blocks = [refine_block(build_block(i + 1, group, image.shape[1], ocr.name, fonts), group, image)
              for i, group in enumerate(groups)]
    blocks = share_faces(blocks, groups, image, fonts, ocr.name)
    kept = [(block, group) for block, group in zip(harmonise(blocks, groups, image), groups)
            if not is_graphic(block) and not is_misread(block)]
    blocks = [with_outline(measure_effects(paint_thin(block, image), image), group) for block, group in kept]
    assign_roles(blocks)
    lines = [line for _, group in kept for line in group]
    mask = text_mask(image.shape[:2], lines) | effects_mask(image.shape[:2], blocks)
    return TextAnalysis(blocks, mask)


GRAPHIC_MIN_PX = 40.0
"""Smallest em size at which a lone character that fits poorly is taken for a graphic."""
GRAPHIC_MAX_FIDELITY = 0.55
"""Fidelity below which such a character is a graphic (an icon OCR read as a letter), left to the objects."""
GRAPHIC_UNSURE = (0.7, 0.8)
"""OCR confidence and fidelity below both of which such a character is a graphic too (a disc read as "O")."""


MISREAD_CONFIDENCE, MISREAD_FIDELITY = 0.6, 0.25
"""OCR confidence and fidelity below both of which a block is a misreading, not text (see :func:`is_misread`)."""


def is_misread(block: TextBlock) -> bool:
    """Whether ``block`` is a misreading: OCR was unsure of it and its render explains its ink poorly (a
    script the recogniser does not know read as "aprear r rnr", an illustration read as "ili"). Its pixels
    stay in the plate as they are, rather than live text that says and shows something else."""
    return (block.fidelity is not None and block.fidelity < MISREAD_FIDELITY
            and block.provenance.confidence < MISREAD_CONFIDENCE)


def is_graphic(block: TextBlock) -> bool:
    """Whether ``block`` is an icon or shape that OCR read as one large character (a mug as "0", a star
    badge as "☆", a disc as "O" or "●"): a symbol, or a character whose render explains its ink poorly,
    or that OCR was unsure of and renders mediocrely. The objects stage then finds it as a graphic."""
    if len(block.text.strip()) != 1 or block.style.size_px < GRAPHIC_MIN_PX or block.fidelity is None:
        return False
    if unicodedata.category(block.text.strip()) == "So":
        return True  # a large ● ■ ▲ ★ ♥ is a shape drawn, not a character set
    unsure_ocr, unsure_fit = GRAPHIC_UNSURE
    return block.fidelity < GRAPHIC_MAX_FIDELITY or (
        block.provenance.confidence < unsure_ocr and block.fidelity < unsure_fit)
