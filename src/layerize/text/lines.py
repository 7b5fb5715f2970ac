"""One OCR line measured at the angle where some font explains its ink best."""

from __future__ import annotations

import numpy as np

from ..fonts import FontFace
from .columns import is_cjk, is_column
from .foreign import without_foreign_ink
from .ink import measure_ink, upright_crop
from .matching import NO_FIT, fit_font, fit_fonts, suits
from .measured import MeasuredLine
from .ocr import OcrEngine, OcrLine

LEVEL_ANGLE, SLANT_ANGLE = 1.5, 6.0
"""Quad angles below LEVEL_ANGLE are level; up to SLANT_ANGLE, level is tried too (quads of short
lines wobble)."""


def candidate_angles(line: OcrLine) -> list[float]:
    """Angles (degrees, counter-clockwise) at which the line's text may be level, most likely first.

    The OCR quad's top edge gives the angle; a tall box around a Latin string
    means text turned a quarter, either way; a slanted line is also tried
    1.5 degrees either side, since quads are only approximately aligned.
    """
    (x0, y0), (x1, y1), (x2, y2) = line.quad[0], line.quad[1], line.quad[2]
    angle = -float(np.degrees(np.arctan2(y1 - y0, x1 - x0)))
    along, across = np.hypot(x1 - x0, y1 - y0), np.hypot(x2 - x1, y2 - y1)
    if across > 1.5 * along and len(line.text.strip()) >= 3 and not is_cjk(line.text):
        return [angle + 90.0, angle - 90.0]
    if abs(angle) < LEVEL_ANGLE:
        return [0.0]
    if abs(angle) < SLANT_ANGLE:
        return [0.0, angle]
    return [angle, angle - 1.5, angle + 1.5]


ANGLE_MARGIN = 0.02
"""How much better a turned reading must explain the ink than the level one to be taken."""


def measure_line(image: np.ndarray, line: OcrLine, faces: list[FontFace], fallback: FontFace,
                 ocr: OcrEngine | None = None) -> MeasuredLine | None:
    """The line measured and font-fitted at the angle where some font explains its ink best.

    With ``ocr``, a turned line is read again from its levelled crop, since
    recognisers read level text best, and a level line OCR was unsure of is
    recognised again from its ink alone; the reading whose rendering explains the
    ink better is kept; ink the text does not explain (an icon beside it, a
    neighbour touching it) is then left out where the text fits clearly better
    without it (:mod:`.foreign`); when no face explains the ink, a safe face
    is set inside it (:func:`unstretched`). A CJK column is measured as vertical text.
    """
    if is_column(line):
        column = measure_ink(image, line, vertical=True)
        if column is not None:
            fit_fonts(column, faces, fallback)
        return column if column is not None and column.fits else None
    best: MeasuredLine | None = None
    for angle in candidate_angles(line):
        measured = measure_ink(image, line, angle)
        if measured is None:
            continue
        fit_fonts(measured, faces, fallback)
        margin = ANGLE_MARGIN if best is not None and not best.angle else 0.0
        if measured.fits and (best is None or measured.best.score > best.best.score + margin):
            best = measured
    if best is None:
        return None
    if ocr is not None and best.angle:
        readings = ocr.read(np.ascontiguousarray(upright_crop(image, line, best.angle)[0]))
        best = _reread(image, line, best, readings, faces, fallback)
    elif ocr is not None and best.ocr.score < REREAD_BELOW:
        reading = ocr.recognise(ink_only(best.upright))
        best = _reread(image, line, best, [reading] if reading else [], faces, fallback)
    return unstretched(without_foreign_ink(image, best, faces, fallback), faces, fallback)


def unstretched(line: MeasuredLine, faces: list[FontFace], fallback: FontFace) -> MeasuredLine:
    """``line``, or, when no face explains its ink (:data:`~.matching.NO_FIT`), the line set in the fallback
    family (at the best face's weight and slant, when it draws the text) rather than in whichever face
    happens to stretch best; a face that does not explain the ink is set inside the ink box."""
    best = line.best
    if line.vertical or best.score >= NO_FIT:
        return line
    safe = next((f for f in faces if f.family == fallback.family and f.weight == best.face.weight
                 and f.italic == best.face.italic), fallback)
    face = safe if suits(safe, line.text) else best.face
    fit = fit_font(line, face)
    if fit is not None:
        line.fits = {face.postscript: fit}
    return line


REREAD_BELOW = 0.9
"""OCR confidence below which a level line is read again from its own ink: recognising a long line among
its neighbours can fail outright (a clean slide line came back as "a   s s d e set" at 0.75)."""
INK_ONLY_PAD = 0.5
"""Margin around the ink of a line read again alone, in ink heights (the detector needs some paper)."""


def ink_only(upright: np.ndarray) -> np.ndarray:
    """A line's ink alone, dark on white with a margin: what a recogniser reads best."""
    pad = max(4, int(round(INK_ONLY_PAD * upright.shape[0])))
    grey = np.pad((255.0 * (1.0 - upright)).astype(np.uint8), pad, constant_values=255)
    return np.ascontiguousarray(np.stack([grey] * 3, axis=2))


def _reread(image: np.ndarray, line: OcrLine, best: MeasuredLine, readings: list[OcrLine], faces: list[FontFace],
            fallback: FontFace) -> MeasuredLine:
    """``best``, or the line as read again (from its level crop, or its ink alone) when that reading's render
    explains the ink better."""
    readings = sorted(readings, key=lambda r: r.box[0])
    if not readings or max(r.box[1] for r in readings) >= min(r.box[3] for r in readings):
        return best  # nothing, or more than one line (a neighbour inside the crop): keep the first reading
    text = " ".join(r.text.strip() for r in readings)
    if text == best.text:
        return best
    score = float(np.mean([r.score for r in readings]))
    again = measure_ink(image, OcrLine(text, line.quad, score), best.angle)
    if again is None:
        return best
    fit_fonts(again, faces, fallback)
    return again if again.fits and again.best.score > best.best.score else best
