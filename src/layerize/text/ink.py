"""Ink separation: each OCR line's ink told apart from its local background.

The line is turned level and cropped; a plane fitted to the ring of pixels
around it models the background (so gradients work), and what stands out from
it is the ink: its colour and an anti-aliased coverage map, upright and in the
image frame (what the text mask erases).
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from ..primitives.planes import fit_plane
from ..scene import Box
from ..timing import timed
from .measured import MeasuredLine, Outline
from .ocr import OcrLine
from .spelling import as_inked


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
    return fit_plane(xs[keep], ys[keep], values[keep]).grid(h, w)


THIN_CORE_SHARE = 0.2
"""Ink whose pixels with all eight neighbours ink are fewer than this share is thin (small text): its
colour is read from its 10 % most distinct pixels (else 40 %), the nearest to its unblended paint, and on a
clean background no less extreme than its most extreme pixels (:func:`paint_floor`)."""
DOMINANT_SHARE = 0.55
"""Share of an OCR box one colour must hold to be the glyphs' background when the ring's is not."""
MAX_INK_SHARE = 0.5
"""Largest share of an OCR box that its glyphs cover: more, and what was taken for background is not."""


def _mostly_ink(crop: np.ndarray, background: np.ndarray, core: tuple[int, int, int, int]) -> bool:
    """Whether most of the OCR box stands out from the background model: the ring around a line on a bar
    just taller than it lies half on the page, and the page is no background of the glyphs."""
    x0, y0, x1, y1 = core
    dist = np.linalg.norm(crop[y0:y1, x0:x1].astype(np.float64) - background[y0:y1, x0:x1], axis=2)
    return dist.size > 0 and float((dist > max(30.0, _otsu(dist.ravel()))).mean()) > MAX_INK_SHARE


def _dominant(pixels: np.ndarray) -> np.ndarray | None:
    """The colour most of ``pixels`` (HxWx3) have (the median of the fullest 16-level colour bin, when
    :data:`DOMINANT_SHARE` of them lie within 24 of it), else None: a line across two backdrops has none."""
    flat = pixels.reshape(-1, 3).astype(np.float64)
    bins = (flat // 16).astype(np.int64) @ np.array([256, 16, 1])
    colour = np.median(flat[bins == np.bincount(bins).argmax()], axis=0)
    return colour if (np.abs(flat - colour).max(axis=1) <= 24).mean() >= DOMINANT_SHARE else None


CLEAN_NOISE = 0.5
"""Robust noise (levels) of a background at most which it is clean: a vector render, not a photograph."""
PAINT_FLOOR_PERCENTILE = 99
"""Percentile of the ink's contrast that the paint of thin glyphs on a clean background reaches at least."""
BLEND_OFF_LINE, BLEND_OFF_SHARE = 12.0, 0.15
"""A blend of paint and background lies on the line between them: off it by at most the larger of
BLEND_OFF_LINE levels and BLEND_OFF_SHARE of its contrast."""


def clean(spread: np.ndarray) -> bool:
    """Whether a background whose pixels differ from its model by ``spread`` is clean (a vector render):
    its robust noise is at most :data:`CLEAN_NOISE` levels."""
    return spread.size >= 12 and 1.4826 * float(np.median(np.abs(spread - np.median(spread)))) <= CLEAN_NOISE


def paint_floor(diff: np.ndarray, unit: np.ndarray, spread: np.ndarray) -> float:
    """The least contrast with the background that thin glyphs' paint can have, given their pixels'
    differences from it (``diff``, N x 3), the ink's direction ``unit`` and the background's ``spread``:
    on a clean background no blend of the paint with it is more extreme than the paint (pixels off that
    line, a black frame beside pink letters, are no blends); on a noisy one (a photograph, a compressed
    image) the extremes are noise, and nothing bounds the paint (0)."""
    along = diff @ unit
    off = np.linalg.norm(diff - along[:, None] * unit, axis=1)
    blends = along[off <= np.maximum(BLEND_OFF_LINE, BLEND_OFF_SHARE * along)]
    return float(np.percentile(blends, PAINT_FLOOR_PERCENTILE)) if blends.size and clean(spread) else 0.0


OTHER_SIDE_SHARE = 0.15
"""Share of the ink lying on the other side of the background from the ink's colour above which that part
is no glyph (the bright grain of a gilded plaque around dark letters, sparkles on a photograph) unless it
is an outlined fill: the ink is then taken on its colour's side alone."""


def ink_coverage(crop: np.ndarray, background: np.ndarray, core: tuple[int, int, int, int] | None = None,
                 vertical: bool = False, toward: np.ndarray | None = None
                 ) -> tuple[np.ndarray, tuple[int, int, int], Outline | None]:
    """Per-pixel ink coverage (0..1), the ink's colour and its outline (see :func:`_outlined_fill`), given
    the background.

    With ``core`` (the OCR box inside the crop), only ink components lying
    mostly inside it count: a neighbouring line or a shape edge that merely
    grazes the box is left out before the colour is taken. With ``toward`` (a
    colour direction from the background), only pixels on that side of it are ink.
    """
    pixels = crop.astype(np.float64)
    diff = pixels - background
    dist = np.linalg.norm(diff, axis=2)
    raw = dist > max(30.0, _otsu(dist.ravel()))
    if toward is not None:
        raw &= diff @ toward > 0
    ink = without_through_lines(raw)
    if core is not None:
        ink = _components_inside(ink, core, marks=not vertical, rules=raw & ~ink)
    none = np.zeros(dist.shape, np.float32), (0, 0, 0), None
    if ink.sum() < 4:
        return none
    solid = (cv2.erode(ink.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0).sum()
    thin = solid < THIN_CORE_SHARE * ink.sum()  # small text: strokes all edge, none drawn solid
    strong = ink & (dist >= np.percentile(dist[ink], 90 if thin else 60))
    color = np.median(pixels[strong], axis=0)
    behind = np.median(background[strong], axis=0)
    direction = color - behind
    norm2 = float(direction @ direction)
    if norm2 < 1e-6:
        return none
    along = diff @ direction
    coverage = np.clip(along / norm2, 0.0, 1.0)
    # keep the anti-aliased fringe of the kept ink, nothing else
    fringe = cv2.dilate(ink.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    outline = None
    outlined = _outlined_fill(pixels, diff, ink, color - background)
    if outlined is None and toward is None and (ink & (along < 0)).sum() > OTHER_SIDE_SHARE * ink.sum():
        return ink_coverage(crop, background, core, vertical, toward=direction)
    if outlined is not None:
        coverage, color, outline = outlined
        fringe = coverage > 0
    elif thin:
        unit = direction / np.sqrt(norm2)
        floor = paint_floor(diff[ink], unit, diff[~fringe] @ unit)
        color = behind + unit * max(np.sqrt(norm2), floor)
    rgb = tuple(int(round(c)) for c in np.clip(color, 0, 255))
    return np.where(fringe, coverage, 0.0).astype(np.float32), rgb, outline  # type: ignore[return-value]


OUTLINE_FILL_SHARE, OUTLINE_FILL_COHERENT, OUTLINE_RINGED = 0.25, 0.6, 0.7
"""Outlined glyphs: the ink's pixels that are no blend of the background and the ink's colour (the fill) are at
least OUTLINE_FILL_SHARE of the ink, OUTLINE_FILL_COHERENT of them one colour, and OUTLINE_RINGED of the
pixels just around them the outline's, OUTLINE_FILL_COHERENT of those in one colour too."""
OUTLINE_APART = 60.0
"""Distance (RGB) from every blend of the background and the outline beyond which an ink pixel is the fill's."""


def _inside_crop(mask: np.ndarray) -> np.ndarray:
    """``mask`` without its components that touch the crop's edge: a fill lies inside its glyphs, which lie
    inside the crop, while a card or a panel behind the text reaches in from outside."""
    count, labels = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    edge = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    return mask & ~np.isin(labels, edge[edge > 0])


def _outlined_fill(pixels: np.ndarray, diff: np.ndarray, ink: np.ndarray,
                   toward_ink: np.ndarray) -> tuple[np.ndarray, np.ndarray, Outline] | None:
    """The fill's coverage and colour, and the outline, when the ink is glyphs of one colour ringed by an
    outline of another (white letters outlined in brown on a yellow page, red ones outlined in white on
    navy); None otherwise.

    ``diff`` is the pixels' difference from the background and ``toward_ink`` the ink's colour's, per pixel.
    The ink's colour (the more distinct) is the outline's, and the fill is ink that is no blend of it with
    the background (on the background's other side, or off towards another hue), ringed all round by the
    outline (two words side by side in two colours are ringed by the background)."""
    along = (diff * toward_ink).sum(axis=2)
    share = np.clip(along / np.maximum((toward_ink * toward_ink).sum(axis=2), 1e-6), 0.0, 1.0)
    off = np.linalg.norm(diff - share[..., None] * toward_ink, axis=2)
    fill = _inside_crop(ink & ((along < 0) | (off > OUTLINE_APART)))
    if fill.sum() < max(12, OUTLINE_FILL_SHARE * ink.sum()):
        return None
    fill_color = np.median(pixels[fill], axis=0)
    if (np.abs(pixels[fill] - fill_color).max(axis=1) <= 40).mean() < OUTLINE_FILL_COHERENT:
        return None
    ring = cv2.dilate(fill.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool) & ~fill
    ringing = ink & ~fill  # the outline's pixels
    if not ring.any() or ringing[ring].mean() < OUTLINE_RINGED:
        return None
    outline = np.median(pixels[ringing], axis=0)
    if (np.abs(pixels[ring & ringing] - outline).max(axis=1) <= 40).mean() < OUTLINE_FILL_COHERENT:
        return None  # a glow fading away from the glyphs, no outline of one paint
    toward = fill_color - outline
    norm2 = float(toward @ toward)
    if norm2 < 1e-6:
        return None
    coverage = np.clip(((pixels - outline) @ toward) / norm2, 0.0, 1.0)
    width = float(ringing.sum()) / float(ring.sum())  # the outline's area over the fill's edge
    paint = tuple(int(round(c)) for c in np.clip(outline, 0, 255))
    area = cv2.dilate(ringing.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(np.float32)  # with its fringe
    return (np.where(ring | fill, coverage, 0.0).astype(np.float32), fill_color,
            Outline(paint, round(width, 1), area))


THROUGH_LINE_FILL = 0.97
"""Share of a crop's row (column) that is ink from which the row (column) belongs to a line running
through the crop: a gridline, an axis, a table rule or a bar's edge, never a glyph (glyphs end inside
the OCR box, and the crop reaches beyond it)."""
THROUGH_LINE_EDGE_FILL = 0.6
"""The same for a row (column) beside such a line: its anti-aliased edge."""


def without_through_lines(ink: np.ndarray) -> np.ndarray:
    """``ink`` without the rows and columns that run through the whole crop (and their anti-aliased edge)."""
    kept = ink.copy()
    for axis in (1, 0):
        fill = ink.mean(axis=axis)
        through = fill >= THROUGH_LINE_FILL
        if not through.any():
            continue
        edge = np.convolve(through, np.ones(3), mode="same") > 0  # a row either side, when mostly ink too
        through |= edge & (fill >= THROUGH_LINE_EDGE_FILL)
        if axis == 1:
            kept[through, :] = False
        else:
            kept[:, through] = False
    return kept


def _otsu(values: np.ndarray) -> float:
    clipped = np.clip(values, 0, 441).astype(np.float32)
    scaled = (clipped / 441.0 * 255.0).astype(np.uint8).reshape(-1, 1)
    threshold, _ = cv2.threshold(scaled, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return float(threshold) / 255.0 * 441.0


TICK_ASPECT, TICK_LENGTH, TICK_GAP = 2.0, 0.6, 0.15
"""A tick: a component at least TICK_ASPECT times as tall as wide, TICK_LENGTH of the line's band tall, and
clear of the band by TICK_GAP of it (an apostrophe or an accent is shorter, or close to the letters)."""
RULE_TICK_THIN = 0.35
"""A tick on a rule: a level stroke at least TICK_ASPECT times as wide as tall, at most RULE_TICK_THIN of the
band tall, touching a line that runs through the crop (a y-axis's tick beside its label; OCR reads it as a
minus sign, and a minus sign touches no axis)."""
FRAME_ENCLOSES, FRAME_SPAN = 3, 2.5
"""A frame drawn around the text encloses at least FRAME_ENCLOSES components spanning FRAME_SPAN times
their height: a row of glyphs (a glyph such as © or 國 encloses one or a compact cluster)."""


def _components_inside(ink: np.ndarray, core: tuple[int, int, int, int], marks: bool = True,
                       rules: np.ndarray | None = None) -> np.ndarray:
    """The connected components of ``ink`` whose box lies at least half inside ``core``, less marks that
    are not the line's glyphs (see :func:`foreign_marks`; with ``marks``: a line of text side by side, not a
    column, whose glyphs stack; ``rules``: the pixels of lines running through the crop, taken out)."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    on_rule = np.zeros(count, bool)
    if rules is not None and rules.any():
        on_rule[np.unique(labels[cv2.dilate(rules.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0])] = True
    cx0, cy0, cx1, cy1 = core
    keep = np.zeros(count, bool)
    for i in range(1, count):
        x, y, w, h, area = stats[i]
        inside_w = max(0, min(x + w, cx1) - max(x, cx0))
        inside_h = max(0, min(y + h, cy1) - max(y, cy0))
        keep[i] = area >= 2 and inside_w * inside_h >= 0.5 * w * h
    kept = np.flatnonzero(keep)
    if marks and len(kept) >= 2:
        keep[kept] = ~foreign_marks(stats[kept, :4], ink.shape[0], on_rule[kept])
    return keep[labels]


def foreign_marks(boxes: np.ndarray, height: int, on_rule: np.ndarray | None = None) -> np.ndarray:
    """Which components (boxes x, y, w, h in a crop ``height`` tall) are marks beside the line's glyphs.

    Such a mark lies above or below the band the other components share and
    apart from it, and either comes in from the crop's edge (a bar, a shape)
    or is a thin upright stroke (a tick mark beside an axis label); or it is
    a level stroke touching a line through the crop (``on_rule``: a tick on a
    y-axis); or it is a frame drawn around the text, enclosing several of its glyphs.
    """
    x, y, w, h = boxes.T
    top, bottom = np.median(y), np.median(y + h)
    band = bottom - top
    apart = (y + h <= top - TICK_GAP * band) | (y >= bottom + TICK_GAP * band)
    edge = (y == 0) | (y + h == height)
    tick = (h >= TICK_ASPECT * w) & (h >= TICK_LENGTH * band)
    x1, y1 = x + w, y + h
    inside = ((x[None, :] >= x[:, None]) & (y[None, :] >= y[:, None])  # [i, j]: j lies inside i
              & (x1[None, :] <= x1[:, None]) & (y1[None, :] <= y1[:, None]))
    np.fill_diagonal(inside, False)
    frame = np.zeros(len(boxes), bool)
    for i in np.flatnonzero(inside.sum(axis=1) >= FRAME_ENCLOSES):
        enclosed = inside[i]
        span = x1[enclosed].max() - x[enclosed].min()
        frame[i] = span >= FRAME_SPAN * np.median(h[enclosed])
    rule_tick = np.zeros(len(boxes), bool) if on_rule is None else (
        on_rule & (w >= TICK_ASPECT * h) & (h <= RULE_TICK_THIN * band))
    return (apart & (edge | tick)) | frame | rule_tick


def upright_crop(image: np.ndarray, line: OcrLine, angle: float
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


@timed("text.ink")
def measure_ink(image: np.ndarray, line: OcrLine, angle: float = 0.0, vertical: bool = False
                ) -> MeasuredLine | None:
    """Colour, coverage and ink box of one OCR line read at ``angle``; None when no ink stands out."""
    crop, core, to_crop = upright_crop(image, line, angle)
    if crop.shape[0] < 4 or crop.shape[1] < 4:
        return None
    background = background_model(crop, ring=max(2, core[0]))
    box = crop[core[1]:core[3], core[0]:core[2]]
    if _mostly_ink(crop, background, core) and (dominant := _dominant(box)) is not None:
        background = np.broadcast_to(dominant, crop.shape).astype(np.float64)  # the ring lay half on the page
    upright, color, outline = ink_coverage(crop, background, core, vertical)
    ys, xs = np.nonzero(upright > 0.5)
    if len(xs) < 4:
        return None
    ux0, uy0, ux1, uy1 = xs.min(), ys.min(), xs.max() + 1, ys.max() + 1
    to_image = cv2.invertAffineTransform(to_crop)
    to_image[:, 2] += to_image[:, :2] @ (ux0, uy0)  # from the tight ink crop's origin

    h_img, w_img = image.shape[:2]
    corners = np.array([[0, 0, 1], [ux1 - ux0, 0, 1], [0, uy1 - uy0, 1], [ux1 - ux0, uy1 - uy0, 1]], float)
    xy = corners @ to_image.T
    margin = 2 + (int(np.ceil(outline.width)) + 2 if outline is not None else 0)  # room for an outline
    rx0, ry0 = (max(0, int(np.floor(v)) - margin) for v in xy.min(axis=0))
    rx1 = int(min(w_img, np.ceil(xy[:, 0].max()) + margin))
    ry1 = int(min(h_img, np.ceil(xy[:, 1].max()) + margin))
    if rx1 <= rx0 or ry1 <= ry0:
        return None
    region_to_crop = to_crop.copy()  # the coverage back in the image frame, for the text mask
    region_to_crop[:, 2] += to_crop[:, :2] @ (rx0, ry0)

    def in_image(crop_map: np.ndarray) -> np.ndarray:
        return cv2.warpAffine(crop_map, region_to_crop, (rx1 - rx0, ry1 - ry0),
                              flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP)
    coverage = in_image(upright)
    ys, xs = np.nonzero(coverage > 0.5)
    if len(xs) < 4:
        return None
    box = Box(x0=rx0 + xs.min(), y0=ry0 + ys.min(), x1=rx0 + xs.max() + 1, y1=ry0 + ys.max() + 1)
    tight = upright[uy0:uy1, ux0:ux1]
    if not vertical:
        line = replace(line, text=as_inked(line.text, tight))
    ringed = in_image(outline.area) if outline is not None else None
    return MeasuredLine(ocr=line, angle=angle, upright=tight, to_image=to_image, box=box, color=color,
                        coverage=coverage, region=(rx0, ry0, rx1, ry1), vertical=vertical, outline=outline,
                        outline_coverage=ringed)
