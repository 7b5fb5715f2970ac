"""Font matching: the recognised string rendered in each candidate face and compared with the ink.

The best match gives the family, weight, slant, em size and the baseline
origin of a line. A cheap first pass on small renders shortlists the faces.
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np
from PIL import Image, ImageDraw

from ..fonts import FontFace, cjk_language, codepoints, load_font
from ..timing import timed
from .measured import FontFit, MeasuredLine

MATCH_HEIGHT = 32  # ink height (px) at which candidate fonts are compared
REF_SIZE = 64.0  # em size (px) of the reference renders

def covers(face: FontFace, text: str) -> bool:
    """Whether ``face`` has a glyph for every non-space character of ``text``."""
    codes = codepoints(face)
    return all(ord(ch) in codes for ch in text if not ch.isspace())


@lru_cache(maxsize=8192)
def reference(face: FontFace, text: str, size: float = REF_SIZE, vertical: bool = False
               ) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """``text`` rendered at ``size``: its tight alpha and ink box relative to its origin.

    The origin is the left end of the baseline, or for ``vertical`` text (a
    column of one-em cells, as :mod:`layerize.render` draws it) the column's
    centre x at its top.
    """
    font = load_font(face.path, size, face.index)
    if vertical:
        left, top, right, bottom = -size, 0.0, size, size * len(text)
        image = Image.new("L", (int(2 * size) + 4, int(size * len(text)) + 4), 0)
        draw = ImageDraw.Draw(image)
        for i, ch in enumerate(text):
            draw.text((2 + size, 2 + (i + 0.5) * size), ch, font=font, fill=255, anchor="mm")
    else:
        left, top, right, bottom = font.getbbox(text, anchor="ls")
        w, h = int(right - left) + 4, int(bottom - top) + 4
        image = Image.new("L", (max(w, 1), max(h, 1)), 0)
        ImageDraw.Draw(image).text((2 - left, 2 - top), text, font=font, fill=255, anchor="ls")
    alpha = np.asarray(image, np.float32) / 255.0
    ys, xs = np.nonzero(alpha > 0.5)
    if len(xs) == 0:
        return alpha, (0.0, 0.0, 0.0, 0.0)
    tight = alpha[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    ox, oy = 2 - left, 2 - top  # origin inside the image
    return tight, (xs.min() - ox, ys.min() - oy, xs.max() + 1 - ox, ys.max() + 1 - oy)


def _shape_similarity(observed: np.ndarray, rendered: np.ndarray, height: int = MATCH_HEIGHT) -> float:
    """Similarity (0..1) of two ink crops: glyph shapes compared at one size, times the aspect agreement.

    The rendered crop is stretched to the observed crop's box so that a small
    width error does not misalign every glyph; the width error is then charged
    separately through the ratio of the two aspect ratios. Ink smaller than
    ``height`` is compared with the render sampled at its own resolution first:
    enlarged, a 10 px label's strokes blur as thick as a bold face's crisp ones.
    """
    width = max(1, int(round(observed.shape[1] * height / observed.shape[0])))
    if observed.shape[0] < height:  # small text: the render sampled as coarsely first, so both blur alike
        rendered = cv2.resize(rendered, observed.shape[::-1], interpolation=cv2.INTER_AREA)
    a = cv2.resize(observed, (width, height), interpolation=cv2.INTER_AREA)
    b = cv2.resize(rendered, (width, height), interpolation=cv2.INTER_AREA)
    sigma = 0.8 * height / MATCH_HEIGHT
    a = cv2.GaussianBlur(a, (0, 0), sigma)
    b = cv2.GaussianBlur(b, (0, 0), sigma)
    union = np.maximum(a, b).sum()
    iou = float(np.minimum(a, b).sum() / union) if union > 0 else 0.0
    ratio = (rendered.shape[1] / rendered.shape[0]) / (observed.shape[1] / observed.shape[0])
    return iou * min(ratio, 1 / ratio) ** 2


NO_FIT = 0.4
"""Similarity below which a face does not explain a line's ink (outlined, 3D, warped or hand-lettered letters,
ink another mark runs into): the face is then set as large as fits inside the ink box both ways, not at
whatever size stretching it to the box needs (a condensed face at twice the text's size)."""


def fit_font(measured: MeasuredLine, face: FontFace) -> FontFit | None:
    """Fit ``face`` to the line's ink: similarity, em size and the anchor (left end of the baseline).

    The size is the ink's height over the face's (its width's too, when the two agree); a face that does
    not explain the ink (:data:`NO_FIT`) is set as large as fits inside the ink box both ways.
    """
    tight, (ix0, iy0, ix1, iy1) = reference(face, measured.text, vertical=measured.vertical)
    ref_w, ref_h = ix1 - ix0, iy1 - iy0
    if ref_h < 2 or ref_w < 2:
        return None
    obs = measured.upright
    height, width = obs.shape
    score = _shape_similarity(obs, tight)
    size = REF_SIZE * height / ref_h
    size_from_width = REF_SIZE * width / ref_w
    if score < NO_FIT:
        size = min(size, size_from_width)
    elif abs(size_from_width / size - 1) <= 0.06:
        # the font's proportions agree: the longer extent gives the finer estimate
        size = (size * height + size_from_width * width) / (height + width)
    k = size / REF_SIZE
    origin = (-ix0 * k, ((-iy0 * k) + (height - iy1 * k)) / 2)  # in the upright ink crop
    x, baseline = measured.to_image @ (origin[0], origin[1], 1.0)
    return FontFit(face=face, score=score, size=size, x=float(x), baseline=float(baseline))


QUICK_SIZE, QUICK_HEIGHT, SHORTLIST = 24.0, 14, 6
"""First pass of font matching: every candidate rendered small and compared coarsely; the best
SHORTLIST faces are then fitted in full."""


def suits(face: FontFace, text: str) -> bool:
    """Whether ``face`` can draw ``text``: every glyph present, and a pan-CJK face's language matches."""
    return face.language in (None, cjk_language(text)) and covers(face, text)  # the cheap test first


@timed("text.fonts")
def fit_fonts(measured: MeasuredLine, faces: list[FontFace], fallback: FontFace) -> None:
    """Fill ``measured.fits`` with the candidate faces that draw the line's text most alike."""
    usable = [f for f in faces if suits(f, measured.text)] or [fallback]
    if len(usable) > SHORTLIST:
        quick = {f.postscript: _shape_similarity(
            measured.upright, reference(f, measured.text, QUICK_SIZE, measured.vertical)[0], QUICK_HEIGHT)
            for f in usable}
        usable = sorted(usable, key=lambda f: (-quick[f.postscript], f.postscript))[:SHORTLIST]
    for face in usable:
        fit = fit_font(measured, face)
        if fit is not None:
            measured.fits[face.postscript] = fit

