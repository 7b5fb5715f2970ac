"""Ink inside a line's box that its text does not explain: a mark beside the text, a neighbour above or below.

OCR takes an icon before a label into the label's line ("22 reviews" after a
speech bubble), and lines set tight touch their neighbours or lie on a shape
of the ink's colour; the fit then stretches the text over the whole ink, in
whatever face stretches best, at a size half as large again or more. A line
that fits poorly is therefore measured again inside a few windows of its ink
(without the ink before its first or after its last wide gap, and there without
the lone mark OCR may have read that ink as: a clock as "©"; only the band of
rows the text's width explains), and a window is taken when the text fits it
clearly better, and well.
"""

from __future__ import annotations

import unicodedata

import numpy as np

from ..fonts import FontFace
from .ink import measure_ink
from .matching import fit_fonts, reference, suits
from .measured import MeasuredLine
from .ocr import OcrLine
from .spelling import ink_runs

Window = tuple[float, float, float, float]
"""x0, y0, x1, y1 in the line's upright ink crop."""

FOREIGN_BELOW, FOREIGN_GAIN = 0.45, 1.3
"""A line fitting worse than FOREIGN_BELOW is measured again in the windows; a window is taken when the text
fits it FOREIGN_GAIN times better, and well: an end mark's window no worse than FOREIGN_BELOW (not a glyph
of the text cut off), a band no worse than BAND_FLOOR (a band keeps every column of the text)."""
BAND_FLOOR = 0.3
END_MARK_GAP = 0.2
"""Narrowest gap, in ink heights, that may part a mark from the text."""
BAND_SHORT = 0.8
"""The text's width explains a band of rows at most this share of the ink's height: rows above or below it
are tried away."""
BAND_QUANTILES = (10, 50, 90)
"""Which faces' bands are tried: percentiles of the band heights over the candidate faces."""
PAIRS = {")": "(", "(": ")", "]": "[", "[": "]", "}": "{", "{": "}"}
MARGIN = 0.15
"""Margin of a window around the ink it keeps, in ink heights of that ink."""


def end_mark_windows(line: MeasuredLine) -> list[tuple[Window, str]]:
    """The line without the ink before its first wide gap, and without the ink after its last, each with
    the text it holds: the whole text, and without a lone mark OCR read that ink as (")" for a clock)."""
    height, width = line.upright.shape
    runs = ink_runs(line.upright)
    wide = [i for i in range(1, len(runs)) if runs[i][0] - runs[i - 1][1] >= max(2.0, END_MARK_GAP * height)]
    if not wide:
        return []
    after, before = (runs[wide[0]][0], 0, width, height), (0, 0, runs[wide[-1] - 1][1], height)
    text = line.text
    windows = [(after, text), (before, text)]
    if len(text) > 2 and _stray(text, 0):
        windows.append((after, text[1:].strip()))
    if len(text) > 2 and _stray(text, -1):
        windows.append((before, text[:-1].strip()))
    return windows


def _stray(text: str, at: int) -> bool:
    """Whether the character at an end of ``text`` (``at`` 0 or -1) may be an icon OCR read as a character:
    a symbol, a mark, a circled number or a letter of another script than its neighbour's ("©", ")", "⑤",
    "Θ" for a clock before "Today"; no currency sign), without its partner in the text, next to a letter
    or digit."""
    mark = text[at]
    rest = text[1:].strip() if at == 0 else text[:-1].strip()
    neighbour = rest[0] if at == 0 else rest[-1]
    if not neighbour.isalnum() or PAIRS.get(mark, "\0") in text:
        return False
    kind = unicodedata.category(mark)
    return (kind[0] in "SP" and kind != "Sc" or kind == "No"
            or kind[0] == "L" and _script(mark) != _script(neighbour) and neighbour.isalpha())


def _script(char: str) -> str:
    return unicodedata.name(char, "").split(" ")[0]


def band_windows(line: MeasuredLine, faces: list[FontFace]) -> list[Window]:
    """Bands of rows as tall as the text set as wide as the ink, where each band holds the most ink: for
    the faces setting the text shortest, middling and tallest (a condensed face explains a taller band)."""
    height, width = line.upright.shape
    rows = line.upright.sum(axis=1)
    bands = []
    for face in faces:
        _, (ix0, iy0, ix1, iy1) = reference(face, line.text, vertical=line.vertical)
        if ix1 - ix0 >= 2:
            bands.append(int(np.ceil((iy1 - iy0) * width / (ix1 - ix0))))
    windows: list[Window] = []
    for band in sorted({int(np.percentile(bands, q)) for q in BAND_QUANTILES} if bands else ()):
        if 2 <= band <= BAND_SHORT * height:
            top = int(np.argmax(np.convolve(rows, np.ones(band), mode="valid")))
            windows.append((0, top, width, top + band))
    return windows


def measured_within(image: np.ndarray, line: MeasuredLine, window: Window, text: str | None = None
                    ) -> MeasuredLine | None:
    """The line's text (or ``text``) measured again on the ink inside ``window`` (upright crop pixels) only."""
    x0, y0, x1, y1 = window
    margin = MARGIN * (y1 - y0)
    corners = np.array([[x0, y0 - margin, 1], [x1, y0 - margin, 1], [x1, y1 + margin, 1], [x0, y1 + margin, 1]])
    quad = tuple((float(x), float(y)) for x, y in corners @ line.to_image.T)
    return measure_ink(image, OcrLine(line.ocr.text if text is None else text, quad, line.ocr.score), line.angle)


def without_foreign_ink(image: np.ndarray, line: MeasuredLine, faces: list[FontFace], fallback: FontFace
                        ) -> MeasuredLine:
    """``line``, or the line measured inside the window of its ink its text explains clearly better."""
    if line.vertical or line.best.score >= FOREIGN_BELOW:
        return line
    usable = [face for face in faces if suits(face, line.text)] or [fallback]
    kept = line
    windows = ([(w, text, FOREIGN_BELOW if text == line.text else BAND_FLOOR) for w, text in end_mark_windows(line)]
               + [(w, line.text, BAND_FLOOR) for w in band_windows(line, usable)])
    for window, text, floor in windows:
        again = measured_within(image, line, window, text)
        if again is None:
            continue
        fit_fonts(again, faces, fallback)
        if again.fits and again.best.score > max(kept.best.score, floor, FOREIGN_GAIN * line.best.score):
            kept = again
    return kept
