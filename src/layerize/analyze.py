"""Text analysis: OCR lines measured from the pixels and grouped into paragraph blocks.

For each OCR line the ink is separated from its local background (a plane fitted
to the pixels around the line, so gradients are handled), giving the ink colour
and an anti-aliased coverage map. The recognised string is rendered in each
candidate font and compared with that coverage: the best match gives the font,
its weight, the em size and the baseline. Lines of one paragraph (same size and
colour, regular pitch, aligned edges) are merged into one block whose alignment
is read from the line ends.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

import cv2
import numpy as np
from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw

from .fonts import FontCatalogue, FontFace, load_font
from .ocr import OcrLine
from .render import alpha_over, column_advance, line_advance, render_block, rgb_to_hex
from .scene import Box, Provenance, TextBlock, TextLine, TextStyle

MATCH_HEIGHT = 32  # ink height (px) at which candidate fonts are compared
REF_SIZE = 64.0  # em size (px) of the reference renders


@dataclass
class FontFit:
    """How one font explains one line: similarity, em size and baseline origin."""

    face: FontFace
    score: float
    size: float
    x: float
    baseline: float


@dataclass
class MeasuredLine:
    """An OCR line with its ink measured in the line's own upright frame.

    ``upright`` is the ink coverage with the line turned level and cropped to
    the ink; ``to_image`` maps its pixel coordinates to the image's. The
    image-frame ``coverage`` over ``region`` is what the text mask erases.
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

    @property
    def best(self) -> FontFit:
        return max(self.fits.values(), key=lambda f: (f.score, f.face.postscript))

    @property
    def text(self) -> str:
        return self.ocr.text.strip()


# ---------------------------------------------------------------- ink separation

def _fit_plane(points: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Least-squares plane ``a*x + b*y + c`` per channel; returns 3x3 coefficients."""
    design = np.column_stack([points, np.ones(len(points))])
    coef, *_ = np.linalg.lstsq(design, values, rcond=None)
    return coef


def background_model(crop: np.ndarray, ring: int) -> np.ndarray:
    """The local background under ``crop`` (HxWx3 float), from a plane fitted to its border ring.

    Ring pixels far from the ring's median (other ink, edges) are ignored in the fit.
    """
    h, w = crop.shape[:2]
    border = np.zeros((h, w), bool)
    border[:ring], border[-ring:], border[:, :ring], border[:, -ring:] = True, True, True, True
    ys, xs = np.nonzero(border)
    values = crop[ys, xs].astype(np.float64)
    deviation = np.abs(values - np.median(values, axis=0)).max(axis=1)
    keep = deviation <= max(12.0, np.percentile(deviation, 60))
    coef = _fit_plane(np.column_stack([xs[keep], ys[keep]]), values[keep])
    gy, gx = np.mgrid[0:h, 0:w]
    grid = np.stack([gx.ravel(), gy.ravel(), np.ones(h * w)], axis=1)
    return (grid @ coef).reshape(h, w, 3)


def ink_coverage(crop: np.ndarray, background: np.ndarray, core: tuple[int, int, int, int] | None = None
                 ) -> tuple[np.ndarray, tuple[int, int, int]]:
    """Per-pixel ink coverage (0..1) and the ink's colour, given the background.

    With ``core`` (the OCR box inside the crop), only ink components lying
    mostly inside it count: a neighbouring line or a shape edge that merely
    grazes the box is left out before the colour is taken.
    """
    pixels = crop.astype(np.float64)
    dist = np.linalg.norm(pixels - background, axis=2)
    ink = dist > max(30.0, _otsu(dist.ravel()))
    if core is not None:
        ink = _components_inside(ink, core)
    none = np.zeros(dist.shape, np.float32), (0, 0, 0)
    if ink.sum() < 4:
        return none
    strong = ink & (dist >= np.percentile(dist[ink], 60))
    color = np.median(pixels[strong], axis=0)
    direction = color - np.median(background[strong], axis=0)
    norm2 = float(direction @ direction)
    if norm2 < 1e-6:
        return none
    coverage = np.clip(((pixels - background) @ direction) / norm2, 0.0, 1.0)
    # keep the anti-aliased fringe of the kept ink, nothing else
    fringe = cv2.dilate(ink.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    rgb = tuple(int(round(c)) for c in np.clip(color, 0, 255))
    return np.where(fringe, coverage, 0.0).astype(np.float32), rgb  # type: ignore[return-value]


def _otsu(values: np.ndarray) -> float:
    clipped = np.clip(values, 0, 441).astype(np.float32)
    scaled = (clipped / 441.0 * 255.0).astype(np.uint8).reshape(-1, 1)
    threshold, _ = cv2.threshold(scaled, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return float(threshold) / 255.0 * 441.0


def _components_inside(ink: np.ndarray, core: tuple[int, int, int, int]) -> np.ndarray:
    """The connected components of ``ink`` whose box lies at least half inside ``core``."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    cx0, cy0, cx1, cy1 = core
    keep = np.zeros(count, bool)
    for i in range(1, count):
        x, y, w, h, area = stats[i]
        inside_w = max(0, min(x + w, cx1) - max(x, cx0))
        inside_h = max(0, min(y + h, cy1) - max(y, cy0))
        keep[i] = area >= 2 and inside_w * inside_h >= 0.5 * w * h
    return keep[labels]


def _upright_crop(image: np.ndarray, line: OcrLine, angle: float
                  ) -> tuple[np.ndarray, tuple[int, int, int, int], np.ndarray]:
    """The line's surroundings turned by ``-angle`` so its text is level.

    Returns the crop, the OCR box inside it, and the 2x3 affine that maps
    image pixels to crop pixels (a plain shift when ``angle`` is 0).
    """
    quad = np.asarray(line.quad, np.float64)
    centre = quad.mean(axis=0)
    rotate = cv2.getRotationMatrix2D((float(centre[0]), float(centre[1])), -angle, 1.0)
    quad = np.column_stack([quad, np.ones(4)]) @ rotate.T
    qx0, qy0 = quad.min(axis=0)
    qx1, qy1 = quad.max(axis=0)
    pad = int(round(0.05 * (qy1 - qy0))) + 2
    ox, oy = int(np.floor(qx0)) - pad, int(np.floor(qy0)) - pad
    width, height = int(np.ceil(qx1)) + pad - ox, int(np.ceil(qy1)) + pad - oy
    to_crop = rotate.copy()
    to_crop[:, 2] -= (ox, oy)
    core = (int(qx0) - ox, int(qy0) - oy, int(np.ceil(qx1)) - ox, int(np.ceil(qy1)) - oy)
    crop = cv2.warpAffine(image, to_crop, (width, height), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)
    return crop, core, to_crop


def measure_ink(image: np.ndarray, line: OcrLine, angle: float = 0.0, vertical: bool = False
                ) -> MeasuredLine | None:
    """Colour, coverage and ink box of one OCR line read at ``angle``; None when no ink stands out."""
    crop, core, to_crop = _upright_crop(image, line, angle)
    if crop.shape[0] < 4 or crop.shape[1] < 4:
        return None
    background = background_model(crop, ring=max(2, core[0]))
    upright, color = ink_coverage(crop, background, core)
    ys, xs = np.nonzero(upright > 0.5)
    if len(xs) < 4:
        return None
    ux0, uy0, ux1, uy1 = xs.min(), ys.min(), xs.max() + 1, ys.max() + 1
    to_image = cv2.invertAffineTransform(to_crop)
    to_image[:, 2] += to_image[:, :2] @ (ux0, uy0)  # from the tight ink crop's origin

    h_img, w_img = image.shape[:2]
    corners = np.array([[0, 0, 1], [ux1 - ux0, 0, 1], [0, uy1 - uy0, 1], [ux1 - ux0, uy1 - uy0, 1]], float)
    xy = corners @ to_image.T
    rx0, ry0 = (max(0, int(np.floor(v)) - 2) for v in xy.min(axis=0))
    rx1, ry1 = int(min(w_img, np.ceil(xy[:, 0].max()) + 2)), int(min(h_img, np.ceil(xy[:, 1].max()) + 2))
    if rx1 <= rx0 or ry1 <= ry0:
        return None
    region_to_crop = to_crop.copy()  # the coverage back in the image frame, for the text mask
    region_to_crop[:, 2] += to_crop[:, :2] @ (rx0, ry0)
    coverage = cv2.warpAffine(upright, region_to_crop, (rx1 - rx0, ry1 - ry0),
                              flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP)
    ys, xs = np.nonzero(coverage > 0.5)
    if len(xs) < 4:
        return None
    box = Box(x0=rx0 + xs.min(), y0=ry0 + ys.min(), x1=rx0 + xs.max() + 1, y1=ry0 + ys.max() + 1)
    tight = upright[uy0:uy1, ux0:ux1]
    if not vertical:
        line = replace(line, text=restore_spaces(line.text.strip(), tight))
    return MeasuredLine(ocr=line, angle=angle, upright=tight, to_image=to_image, box=box, color=color,
                        coverage=coverage, region=(rx0, ry0, rx1, ry1), vertical=vertical)


# ---------------------------------------------------------------- font matching

@lru_cache(maxsize=256)
def _cmap(face: FontFace) -> frozenset[int]:
    font = TTFont(face.path, lazy=True, fontNumber=face.index)
    codes = frozenset(font.getBestCmap() or {})
    font.close()
    return codes


def covers(face: FontFace, text: str) -> bool:
    """Whether ``face`` has a glyph for every non-space character of ``text``."""
    codes = _cmap(face)
    return all(ord(ch) in codes for ch in text if not ch.isspace())


@lru_cache(maxsize=8192)
def _reference(face: FontFace, text: str, size: float = REF_SIZE, vertical: bool = False
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
    separately through the ratio of the two aspect ratios.
    """
    width = max(1, int(round(observed.shape[1] * height / observed.shape[0])))
    a = cv2.resize(observed, (width, height), interpolation=cv2.INTER_AREA)
    b = cv2.resize(rendered, (width, height), interpolation=cv2.INTER_AREA)
    sigma = 0.8 * height / MATCH_HEIGHT
    a = cv2.GaussianBlur(a, (0, 0), sigma)
    b = cv2.GaussianBlur(b, (0, 0), sigma)
    union = np.maximum(a, b).sum()
    iou = float(np.minimum(a, b).sum() / union) if union > 0 else 0.0
    ratio = (rendered.shape[1] / rendered.shape[0]) / (observed.shape[1] / observed.shape[0])
    return iou * min(ratio, 1 / ratio) ** 2


def fit_font(measured: MeasuredLine, face: FontFace) -> FontFit | None:
    """Fit ``face`` to the line's ink: similarity, em size and the anchor (left end of the baseline)."""
    tight, (ix0, iy0, ix1, iy1) = _reference(face, measured.text, vertical=measured.vertical)
    ref_w, ref_h = ix1 - ix0, iy1 - iy0
    if ref_h < 2 or ref_w < 2:
        return None
    obs = measured.upright
    height, width = obs.shape
    score = _shape_similarity(obs, tight)
    size = REF_SIZE * height / ref_h
    size_from_width = REF_SIZE * width / ref_w
    if abs(size_from_width / size - 1) <= 0.06:
        # the font's proportions agree: the longer extent gives the finer estimate
        size = (size * height + size_from_width * width) / (height + width)
    k = size / REF_SIZE
    origin = (-ix0 * k, ((-iy0 * k) + (height - iy1 * k)) / 2)  # in the upright ink crop
    x, baseline = measured.to_image @ (origin[0], origin[1], 1.0)
    return FontFit(face=face, score=score, size=size, x=float(x), baseline=float(baseline))


QUICK_SIZE, QUICK_HEIGHT, SHORTLIST = 24.0, 14, 6
"""First pass of font matching: every candidate rendered small and compared coarsely; the best
SHORTLIST faces are then fitted in full."""


def cjk_language(text: str) -> str:
    """Which pan-CJK face draws ``text``: 'JP' with kana, 'KR' with Hangul, else 'SC' (Han and Latin)."""
    if any("\u3040" <= ch <= "\u30ff" for ch in text):
        return "JP"
    if any("\uac00" <= ch <= "\ud7af" or "\u1100" <= ch <= "\u11ff" for ch in text):
        return "KR"
    return "SC"


def suits(face: FontFace, text: str) -> bool:
    """Whether ``face`` can draw ``text``: every glyph present, and a pan-CJK face's language matches."""
    return face.language in (None, cjk_language(text)) and covers(face, text)  # the cheap test first


def fit_fonts(measured: MeasuredLine, faces: list[FontFace], fallback: FontFace) -> None:
    """Fill ``measured.fits`` with the candidate faces that draw the line's text most alike."""
    usable = [f for f in faces if suits(f, measured.text)] or [fallback]
    if len(usable) > SHORTLIST:
        quick = {f.postscript: _shape_similarity(
            measured.upright, _reference(f, measured.text, QUICK_SIZE, measured.vertical)[0], QUICK_HEIGHT)
            for f in usable}
        usable = sorted(usable, key=lambda f: (-quick[f.postscript], f.postscript))[:SHORTLIST]
    for face in usable:
        fit = fit_font(measured, face)
        if fit is not None:
            measured.fits[face.postscript] = fit


def _is_cjk_char(ch: str) -> bool:
    """Kana, CJK ideographs, Hangul, CJK punctuation and full-width forms: characters set upright in columns."""
    return "\u3000" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af" or "\uff00" <= ch <= "\uffef"


def _is_cjk(text: str) -> bool:
    return any(_is_cjk_char(ch) for ch in text)


def is_column(line: OcrLine) -> bool:
    """Whether an OCR line is a vertical column of CJK characters: all CJK, its box tall, about an em each."""
    chars = [ch for ch in line.text if not ch.isspace()]
    x0, y0, x1, y1 = line.box
    width, height = x1 - x0, y1 - y0
    return (len(chars) >= 2 and all(_is_cjk_char(ch) for ch in chars)
            and height >= 1.5 * width and height >= 0.6 * len(chars) * width)


def _stacked(upper: OcrLine, lower: OcrLine) -> OcrLine | None:
    """``upper`` and ``lower`` as one column when they are consecutive pieces of one; else None."""
    ux0, uy0, ux1, uy1 = upper.box
    lx0, ly0, lx1, ly1 = lower.box
    narrow, wide = sorted((ux1 - ux0, lx1 - lx0))
    if narrow <= 0 or wide > 1.5 * narrow or min(ux1, lx1) - max(ux0, lx0) < 0.6 * narrow:
        return None
    if not -0.45 * wide <= ly0 - uy1 <= 0.8 * wide:  # detector boxes of one column often overlap
        return None
    x0, x1, y0, y1 = min(ux0, lx0), max(ux1, lx1), uy0, max(uy1, ly1)
    joined = OcrLine(upper.text.strip() + lower.text.strip(), ((x0, y0), (x1, y0), (x1, y1), (x0, y1)),
                     min(upper.score, lower.score))
    return joined if is_column(joined) else None


def join_columns(lines: list[OcrLine]) -> list[OcrLine]:
    """OCR pieces of one vertical CJK column joined top to bottom (detectors often split a column)."""
    joined: list[OcrLine] = []
    for line in sorted(lines, key=lambda item: (item.box[1], item.box[0])):
        for i, column in enumerate(joined):
            merged = _stacked(column, line)
            if merged is not None:
                joined[i] = merged
                break
        else:
            joined.append(line)
    return joined


TRACKED_GAP = 0.15
"""Median gap between letters, relative to the ink height, from which a line counts as tracked."""


def restore_spaces(text: str, upright: np.ndarray) -> str:
    """``text`` with the word spaces OCR dropped between widely tracked letters put back.

    Applies only to tracked lines whose every non-space character is one run
    of inked columns (as with spaced capitals); a gap much wider than the
    letter gaps, where the text has no space, gets one.
    """
    columns = (upright > 0.5).any(axis=0)
    edges = np.flatnonzero(np.diff(columns.astype(np.int8)))
    starts = [0] + list(edges[1::2] + 1) if columns[0] else list(edges[::2] + 1)
    ends = list(edges[::2] + 1) if columns[0] else list(edges[1::2] + 1)
    ends = ends + [len(columns)] if len(ends) < len(starts) else ends
    glyphs = [ch for ch in text if not ch.isspace()]
    if len(starts) != len(glyphs) or len(glyphs) < 4:
        return text
    gaps = np.array([s - e for s, e in zip(starts[1:], ends[:-1])], float)
    letter_gap = float(np.median(gaps))
    if letter_gap < TRACKED_GAP * upright.shape[0]:
        return text  # not tracked: the recogniser sees word spaces itself
    wide = gaps > 1.8 * letter_gap
    words, out = text.split(), []
    position = 0
    for word in words:
        for i, ch in enumerate(word):
            out.append(ch)
            if position < len(wide) and wide[position] and i < len(word) - 1:
                out.append(" ")
            position += 1
        out.append(" ")
    return "".join(out).strip()


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
    if across > 1.5 * along and len(line.text.strip()) >= 3 and not _is_cjk(line.text):
        return [angle + 90.0, angle - 90.0]
    if abs(angle) < LEVEL_ANGLE:
        return [0.0]
    if abs(angle) < SLANT_ANGLE:
        return [0.0, angle]
    return [angle, angle - 1.5, angle + 1.5]


ANGLE_MARGIN = 0.02
"""How much better a turned reading must explain the ink than the level one to be taken."""


def measure_line(image: np.ndarray, line: OcrLine, faces: list[FontFace], fallback: FontFace,
                 reread: Callable[[np.ndarray], list[OcrLine]] | None = None) -> MeasuredLine | None:
    """The line measured and font-fitted at the angle where some font explains its ink best.

    A turned line is read again from its levelled crop with ``reread`` (the
    OCR engine), since recognisers read level text best; the reading whose
    rendering explains the ink better is kept. A CJK column is measured as vertical text.
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
    if best is None or not best.angle or reread is None:
        return best
    crop, _, _ = _upright_crop(image, line, best.angle)
    readings = sorted(reread(np.ascontiguousarray(crop)), key=lambda r: r.box[0])
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


# ---------------------------------------------------------------- paragraphs

def color_distance(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray) -> float:
    """Euclidean distance of two RGB colours."""
    return float(np.linalg.norm(np.subtract(a, b, dtype=np.float64)))


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


def group_lines(lines: list[MeasuredLine], paragraphs: bool = True) -> list[list[MeasuredLine]]:
    """Lines grouped into paragraphs, in reading order (top to bottom, left to right; columns right to left)."""
    ordered = sorted(lines, key=lambda m: (m.vertical, -m.best.x if m.vertical else m.best.baseline, m.box.x0))
    groups: list[list[MeasuredLine]] = []
    for line in ordered:
        target = None
        if paragraphs:
            candidates = [g for g in groups if _continues(g, line)]
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


def name_blocks(blocks: list[TextBlock]) -> None:
    """Name blocks from their content: 'Price: …', 'Title: …' (the largest other text) or 'Text: …'."""
    prices = {b.id for b in blocks if PRICE.search(b.text)}
    others = [b for b in blocks if b.id not in prices]
    title = max(others, key=lambda b: b.style.size_px).id if others else None
    for block in blocks:
        first = " ".join(block.text.split())
        short = first if len(first) <= 40 else first[:39] + "…"
        role = "Price" if block.id in prices else "Title" if block.id == title else "Text"
        block.name = f"{role}: {short}"


def _tracking(group: list[MeasuredLine], face: FontFace, size: float) -> float:
    """Letter spacing (px) that explains lines wider than ``face`` draws them; 0 when within noise."""
    spacings = []
    for line in group:
        if len(line.text) < 4:
            continue
        _, (ix0, iy0, ix1, iy1) = _reference(face, line.text, vertical=line.vertical)
        drawn = ((iy1 - iy0) if line.vertical else (ix1 - ix0)) * size / REF_SIZE
        spacings.append((line.upright.shape[0 if line.vertical else 1] - drawn) / (len(line.text) - 1))
    if not spacings:
        return 0.0
    spacing = float(np.median(spacings))
    return round(spacing, 2) if 0.02 * size <= abs(spacing) <= 0.5 * size else 0.0


def _choose_face(group: list[MeasuredLine], fonts: FontCatalogue) -> tuple[FontFace, list[FontFit]]:
    """The face that explains the paragraph best (votes weighted by length), its italic twin if better."""
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
                fonts: FontCatalogue) -> TextBlock:
    """One :class:`TextBlock` from a paragraph of measured lines."""
    face, fits = _choose_face(group, fonts)
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
        name=f"Text: {lines[0].text}",
        lines=lines,
        style=style,
        x=round(x, 2),
        baseline=round(baselines[0], 2),
        rotation=round(rotation, 2),
        orientation="vertical" if vertical else "horizontal",
        provenance=Provenance(engine=engine, confidence=round(min(1.0, confidence), 4)),
    )


# ---------------------------------------------------------------- render and compare

def _observed(group: list[MeasuredLine]) -> tuple[np.ndarray, tuple[int, int]]:
    """The paragraph's ink coverage in the image frame over the union of its lines' regions."""
    x0 = min(m.region[0] for m in group)
    y0 = min(m.region[1] for m in group)
    x1 = max(m.region[2] for m in group)
    y1 = max(m.region[3] for m in group)
    coverage = np.zeros((y1 - y0, x1 - x0), np.float32)
    for m in group:
        rx0, ry0, rx1, ry1 = m.region
        view = coverage[ry0 - y0:ry1 - y0, rx0 - x0:rx1 - x0]
        np.maximum(view, m.coverage, out=view)
    return coverage, (x0, y0)


def _overlap(observed: np.ndarray, origin: tuple[int, int], rendered: tuple[Image.Image, tuple[int, int]] | None
             ) -> float:
    """Soft IoU of a rendered block's alpha with the observed coverage (both in image pixels)."""
    if rendered is None:
        return 0.0
    image, (left, top) = rendered
    ox, oy = origin
    x0, y0 = min(ox, left), min(oy, top)
    x1 = max(ox + observed.shape[1], left + image.width)
    y1 = max(oy + observed.shape[0], top + image.height)
    a = np.zeros((y1 - y0, x1 - x0), np.float32)
    a[oy - y0:oy - y0 + observed.shape[0], ox - x0:ox - x0 + observed.shape[1]] = observed
    b = alpha_over(rendered, (x0, y0), a.shape)
    union = np.maximum(a, b).sum()
    return float(np.minimum(a, b).sum() / union) if union > 0 else 0.0


SOLID_COLOR_MIN_FIDELITY = 0.6
"""Below this fidelity the render does not sit on the glyphs, so its solid pixels would read background."""

REFINE_STEPS = (("size_px", 0.02), ("x", 0.5), ("baseline", 0.5))
"""Coordinate-descent steps of the refinement: style size (relative) and anchor shifts (px);
turned blocks also try their angle in half-degree steps."""


def refine_block(block: TextBlock, group: list[MeasuredLine], image: np.ndarray, rounds: int = 2) -> TextBlock:
    """Adjust size and anchor so the block's render best covers the input's ink; set colour and fidelity.

    Bounded coordinate descent (``rounds`` passes over :data:`REFINE_STEPS`,
    each trying one step either way) on the soft IoU between the render and
    the observed coverage; deterministic. When the render fits, the colour is
    then read where its glyphs are solid, so thin strokes give their true
    colour rather than an anti-aliased mix.
    """
    observed, origin = _observed(group)

    def variant(name: str, value: float) -> TextBlock:
        if name == "size_px":
            return block.model_copy(update={"style": block.style.model_copy(update={"size_px": value})})
        return block.model_copy(update={name: value})

    rendered = render_block(block)
    score = _overlap(observed, origin, rendered)
    steps = REFINE_STEPS + ((("rotation", 0.5),) if block.rotation else ())
    for _ in range(rounds):
        improved = False
        for name, step in steps:
            current = block.style.size_px if name == "size_px" else getattr(block, name)
            delta = current * step if name == "size_px" else step
            for value in (current - delta, current + delta):
                trial = variant(name, round(value, 2))
                trial_rendered = render_block(trial)
                trial_score = _overlap(observed, origin, trial_rendered)
                if trial_score > score + 1e-4:
                    block, rendered, score, improved = trial, trial_rendered, trial_score, True
                    break
        if not improved:
            break
    if score >= SOLID_COLOR_MIN_FIDELITY and rendered is not None:
        color = _solid_color(rendered, image) or block.style.color
        block = block.model_copy(update={"style": block.style.model_copy(update={"color": color})})
    return block.model_copy(update={"fidelity": round(score, 4)})


def text_fidelity(blocks: list[TextBlock]) -> float | None:
    """The blocks' fidelity averaged over their characters; None without text."""
    scored = [(b.fidelity, len(b.text)) for b in blocks if b.fidelity is not None]
    if not scored:
        return None
    return round(sum(f * n for f, n in scored) / sum(n for _, n in scored), 4)


def _solid_color(rendered: tuple[Image.Image, tuple[int, int]], image: np.ndarray) -> str | None:
    """The median input colour under a render's solid glyph pixels; None when too few lie in the image."""
    layer, (left, top) = rendered
    alpha = np.asarray(layer.getchannel("A"))
    h, w = image.shape[:2]
    ys, xs = np.nonzero(alpha >= 240)
    ys, xs = ys + top, xs + left
    inside = (ys >= 0) & (ys < h) & (xs >= 0) & (xs < w)
    if inside.sum() < 12:
        return None
    color = np.median(image[ys[inside], xs[inside]], axis=0)
    return rgb_to_hex(color)


def text_mask(shape: tuple[int, int], lines: list[MeasuredLine], threshold: float = 0.12) -> np.ndarray:
    """Boolean mask of every line's ink (anti-aliased fringe included)."""
    mask = np.zeros(shape, bool)
    for line in lines:
        x0, y0, x1, y1 = line.region
        mask[y0:y1, x0:x1] |= line.coverage > threshold
    return mask
