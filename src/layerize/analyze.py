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
from dataclasses import dataclass, field
from functools import lru_cache

import cv2
import numpy as np
from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw

from .fonts import FontFace, load_font
from .ocr import OcrLine
from .render import line_advance
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
    """An OCR line with its ink measured: colour, coverage, box and font fits."""

    ocr: OcrLine
    box: Box
    color: tuple[int, int, int]
    coverage: np.ndarray  # float32 0..1 over `region`
    region: tuple[int, int, int, int]  # x0, y0, x1, y1 of `coverage` in the image
    fits: dict[str, FontFit] = field(default_factory=dict)  # by PostScript name

    @property
    def best(self) -> FontFit:
        return max(self.fits.values(), key=lambda f: (f.score, f.face.postscript))


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


def measure_ink(image: np.ndarray, line: OcrLine) -> MeasuredLine | None:
    """Colour, coverage and ink box of one OCR line; None when no ink separates from the background."""
    h_img, w_img = image.shape[:2]
    bx0, by0, bx1, by1 = line.box
    pad = int(round(0.05 * (by1 - by0))) + 2
    x0, y0 = max(0, int(bx0) - pad), max(0, int(by0) - pad)
    x1, y1 = min(w_img, int(np.ceil(bx1)) + pad), min(h_img, int(np.ceil(by1)) + pad)
    if x1 - x0 < 4 or y1 - y0 < 4:
        return None
    crop = image[y0:y1, x0:x1]
    background = background_model(crop, ring=max(2, pad))
    core = (int(bx0) - x0, int(by0) - y0, int(np.ceil(bx1)) - x0, int(np.ceil(by1)) - y0)
    coverage, color = ink_coverage(crop, background, core)
    ys, xs = np.nonzero(coverage > 0.5)
    if len(xs) < 4:
        return None
    box = Box(x0=x0 + xs.min(), y0=y0 + ys.min(), x1=x0 + xs.max() + 1, y1=y0 + ys.max() + 1)
    return MeasuredLine(ocr=line, box=box, color=color, coverage=coverage, region=(x0, y0, x1, y1))


# ---------------------------------------------------------------- font matching

@lru_cache(maxsize=256)
def _cmap(path: str) -> frozenset[int]:
    font = TTFont(path, lazy=True, fontNumber=0)
    codes = frozenset(font.getBestCmap() or {})
    font.close()
    return codes


def covers(face: FontFace, text: str) -> bool:
    """Whether ``face`` has a glyph for every non-space character of ``text``."""
    codes = _cmap(face.path)
    return all(ord(ch) in codes for ch in text if not ch.isspace())


@lru_cache(maxsize=4096)
def _reference(path: str, text: str) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """``text`` rendered at REF_SIZE: its tight alpha and ink box relative to the baseline origin."""
    font = load_font(path, REF_SIZE)
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


def _shape_similarity(observed: np.ndarray, rendered: np.ndarray) -> float:
    """Similarity (0..1) of two ink crops: glyph shapes compared at one size, times the aspect agreement.

    The rendered crop is stretched to the observed crop's box so that a small
    width error does not misalign every glyph; the width error is then charged
    separately through the ratio of the two aspect ratios.
    """
    width = max(1, int(round(observed.shape[1] * MATCH_HEIGHT / observed.shape[0])))
    a = cv2.resize(observed, (width, MATCH_HEIGHT), interpolation=cv2.INTER_AREA)
    b = cv2.resize(rendered, (width, MATCH_HEIGHT), interpolation=cv2.INTER_AREA)
    a = cv2.GaussianBlur(a, (0, 0), 0.8)
    b = cv2.GaussianBlur(b, (0, 0), 0.8)
    union = np.maximum(a, b).sum()
    iou = float(np.minimum(a, b).sum() / union) if union > 0 else 0.0
    ratio = (rendered.shape[1] / rendered.shape[0]) / (observed.shape[1] / observed.shape[0])
    return iou * min(ratio, 1 / ratio) ** 2


def fit_font(measured: MeasuredLine, face: FontFace) -> FontFit | None:
    """Fit ``face`` to the line's ink: similarity, em size and baseline origin."""
    text = measured.ocr.text.strip()
    tight, (ix0, iy0, ix1, iy1) = _reference(face.path, text)
    ref_w, ref_h = ix1 - ix0, iy1 - iy0
    if ref_h < 2 or ref_w < 2:
        return None
    box = measured.box
    obs = measured.coverage[
        int(box.y0) - measured.region[1]: int(box.y1) - measured.region[1],
        int(box.x0) - measured.region[0]: int(box.x1) - measured.region[0],
    ]
    score = _shape_similarity(obs, tight)
    size = REF_SIZE * box.height / ref_h
    size_from_width = REF_SIZE * box.width / ref_w
    if abs(size_from_width / size - 1) <= 0.06:
        # the font's proportions agree: the longer extent gives the finer estimate
        size = (size * box.height + size_from_width * box.width) / (box.height + box.width)
    k = size / REF_SIZE
    x = box.x0 - ix0 * k
    baseline = ((box.y0 - iy0 * k) + (box.y1 - iy1 * k)) / 2
    return FontFit(face=face, score=score, size=size, x=x, baseline=baseline)


def fit_fonts(measured: MeasuredLine, faces: list[FontFace], fallback: FontFace) -> None:
    """Fill ``measured.fits`` with every candidate face that can draw the line's text."""
    text = measured.ocr.text.strip()
    usable = [f for f in faces if covers(f, text)] or [fallback]
    for face in usable:
        fit = fit_font(measured, face)
        if fit is not None:
            measured.fits[face.postscript] = fit


# ---------------------------------------------------------------- paragraphs

def _color_distance(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    return float(np.linalg.norm(np.subtract(a, b, dtype=np.float64)))


def _continues(group: list[MeasuredLine], line: MeasuredLine) -> bool:
    """Whether ``line`` is the next line of the paragraph ``group``.

    Same size and colour, a baseline pitch of 0.9-1.7 em that repeats the
    paragraph's pitch so far, and an edge or the centre aligned.
    """
    prev = group[-1]
    a, b = prev.best, line.best
    size = max(a.size, b.size)
    if abs(a.size - b.size) > 0.2 * size or _color_distance(prev.color, line.color) > 48:
        return False
    pitch = b.baseline - a.baseline
    if not 0.9 * size <= pitch <= 1.7 * size:
        return False
    if len(group) > 1 and abs(pitch - (a.baseline - group[-2].best.baseline)) > 0.15 * pitch:
        return False
    pa, pb = prev.box, line.box
    if pb.x0 >= pa.x1 or pa.x0 >= pb.x1:
        return False
    tolerance = 0.6 * size
    edges = (pa.x0 - pb.x0, (pa.x0 + pa.x1 - pb.x0 - pb.x1) / 2, pa.x1 - pb.x1)
    return min(abs(e) for e in edges) <= tolerance


def group_lines(lines: list[MeasuredLine], paragraphs: bool = True) -> list[list[MeasuredLine]]:
    """Lines grouped into paragraphs, in reading order (top to bottom, left to right)."""
    ordered = sorted(lines, key=lambda m: (m.best.baseline, m.box.x0))
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


def _align(xs: list[float], advances: list[float], size: float, canvas_width: int
           ) -> tuple[str, float]:
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


def build_block(index: int, group: list[MeasuredLine], canvas_width: int, engine: str) -> TextBlock:
    """One :class:`TextBlock` from a paragraph of measured lines."""
    votes: dict[str, float] = {}
    for line in group:
        for name, fit in line.fits.items():
            votes[name] = votes.get(name, 0.0) + fit.score * len(line.ocr.text)
    name = max(votes, key=lambda n: (votes[n], n))
    fits = [line.fits.get(name) or line.best for line in group]
    face = fits[0].face
    size = float(np.median([f.size for f in fits]))
    font = load_font(face.path, size)
    advances = [line_advance(font, line.ocr.text.strip()) for line in group]
    align, x = _align([f.x for f in fits], advances, size, canvas_width)
    baselines = [f.baseline for f in fits]
    pitch = float(np.median(np.diff(baselines))) if len(fits) > 1 else round(size * 1.2, 2)
    weights = np.array([len(line.ocr.text) for line in group], np.float64)
    color = np.average(np.array([line.color for line in group], np.float64), axis=0, weights=weights)
    style = TextStyle(
        font_family=face.family,
        font_postscript=face.postscript,
        font_file=face.path,
        size_px=round(size, 2),
        weight=face.weight,
        italic=face.italic,
        color="#%02x%02x%02x" % tuple(int(round(c)) for c in color),
        align=align,  # type: ignore[arg-type]
        line_height_px=round(max(pitch, 1.0), 2),
        font_match=round(float(np.mean([f.score for f in fits])), 4),
    )
    lines = [TextLine(text=m.ocr.text.strip(), box=m.box, confidence=round(m.ocr.score, 4)) for m in group]
    confidence = float(np.average([m.ocr.score for m in group], weights=weights))
    return TextBlock(
        id=f"text-{index}",
        name=f"Text: {lines[0].text}",
        lines=lines,
        style=style,
        x=round(x, 2),
        baseline=round(baselines[0], 2),
        provenance=Provenance(engine=engine, confidence=round(min(1.0, confidence), 4)),
    )


def text_mask(shape: tuple[int, int], lines: list[MeasuredLine], threshold: float = 0.12) -> np.ndarray:
    """Boolean mask of every line's ink (anti-aliased fringe included)."""
    mask = np.zeros(shape, bool)
    for line in lines:
        x0, y0, x1, y1 = line.region
        mask[y0:y1, x0:x1] |= line.coverage > threshold
    return mask
