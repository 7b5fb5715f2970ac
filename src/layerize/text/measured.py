"""The text stage's working data: an OCR line measured from the pixels, and how a font explains it."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..fonts import FontFace
from ..scene import Box
from .ocr import OcrLine


@dataclass
class FontFit:
    """How one font explains one line: similarity, em size and baseline origin."""

    face: FontFace
    score: float
    size: float
    x: float
    baseline: float


@dataclass
class Outline:
    """An outline ringing a line's glyphs, read from its ink: colour and width outside the fill (px)."""

    color: tuple[int, int, int]
    width: float
    area: np.ndarray = field(repr=False, compare=False)  # its pixels (and their fringe) in the line's crop


@dataclass
class MeasuredLine:
    """An OCR line with its ink measured in the line's own upright frame.

    ``upright`` is the ink coverage with the line turned level and cropped to
    the ink; ``to_image`` maps its pixel coordinates to the image's. The
    image-frame ``coverage`` over ``region`` is what the text mask erases (with ``outline_coverage``).
    """

    ocr: OcrLine
    angle: float  # degrees, counter-clockwise
    upright: np.ndarray  # float32 0..1, tight around the ink
    to_image: np.ndarray  # 2x3 affine: upright pixel -> image pixel
    box: Box  # axis-aligned ink box in the image
    color: tuple[int, int, int]
    coverage: np.ndarray  # float32 0..1 over `region`, image frame
    region: tuple[int, int, int, int]  # x0, y0, x1, y1 of `coverage` in the image
    fits: dict[str, FontFit] = field(default_factory=dict)  # by PostScript name
    vertical: bool = False  # a column of upright characters; fits then anchor at its centre x and top
    outline: Outline | None = None  # the ink's colour was an outline's, ringing glyphs of `color`
    outline_coverage: np.ndarray | None = None  # the outline's pixels over `region`, erased with the glyphs

    @property
    def best(self) -> FontFit:
        return max(self.fits.values(), key=lambda f: (f.score, f.face.postscript))

    @property
    def text(self) -> str:
        return self.ocr.text.strip()

