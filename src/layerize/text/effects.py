"""Text effects measured from the pixels: gradient fill, outline stroke and drop shadow.

Each effect is read in a window around a text block whose glyphs already fit
the input's ink (:func:`layerize.text.refine.refine_block`): the block's render says
where the fill is, so

* a **gradient** shows as a fill colour that changes linearly across the solid glyph pixels;
* a **stroke** is a ring of one colour, unlike both fill and background, all
  around the glyphs; its width is the summed coverage of the rings outside them;
* a **drop shadow** is the text's silhouette, shifted, blurred and blended over
  the background: found by correlating the silhouette with the change from the
  background outside it, then fitting blur, colour and opacity.

All measurements are deterministic and bounded (fixed search ranges and steps).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..primitives.color import color_distance, hex_to_rgb, rgb_to_hex
from ..primitives.compose import alpha_over
from ..primitives.planes import fit_plane
from ..render import ink_box, render_block
from ..scene import Gradient, TextBlock, TextShadow, TextStroke
from ..timing import timed
from .ink import background_model
from .measured import MeasuredLine

EFFECT_MIN_FIDELITY = 0.6
"""Blocks whose render fits the ink worse than this are left without effects: the rings would read glyphs."""

GRADIENT_MIN_CONTRAST, GRADIENT_MIN_R2 = 40.0, 0.6
"""A fill counts as a gradient when its ends differ this much (RGB distance) and a linear ramp explains
this share of its colour variance."""

STROKE_MIN_CONTRAST, STROKE_MIN_AROUND = 40.0, 0.75
"""An outline differs this much (RGB distance) from fill and background and covers this share of the
pixels just outside the glyphs (a shadow or a neighbour covers one side only)."""

STROKE_MAX_WIDTH, STROKE_END = 0.3, 2
"""An outline is at most STROKE_MAX_WIDTH em wide and ends: STROKE_END pixels past that width its colour
is gone (a pale bar or panel just taller than the text rings the glyphs too, and goes on)."""

SHADOW_MIN_MATCH, SHADOW_MIN_EXPLAINED, SHADOW_MIN_CHANGE = 0.5, 0.5, 12.0
"""A shadow's silhouette must correlate this well with the change outside the text, explain this share
of the change where it paints, and change the background by this much (RGB distance) where it is dense."""

SHADOW_MIN_OFFSET = 2.0
"""A drop shadow is shifted at least this far (px) and darkens what it falls on."""

SHADOW_BLURS = (0.0, 0.04, 0.08, 0.12, 0.18)
"""Blurs (standard deviation, in em) tried for a shadow at the correlation's offset; the best one is then
tried one pixel around it."""


@dataclass
class _Window:
    """The input, its local background and a block's glyph coverage over one crop of the canvas."""

    pixels: np.ndarray  # HxWx3 float64
    background: np.ndarray  # HxWx3 float64
    alpha: np.ndarray  # HxW float32 0..1: the block's glyphs (fill, and stroke once known)
    origin: tuple[int, int]


def _glyph_alpha(block: TextBlock, origin: tuple[int, int], shape: tuple[int, int]) -> np.ndarray:
    """The block's render (no shadow) as coverage over the window at ``origin`` of ``shape``."""
    return alpha_over(render_block(block, shadow=False), origin, shape)


def _window(block: TextBlock, image: np.ndarray, pad: int) -> _Window | None:
    """A window of the input around the block's ink, ``pad`` pixels wider on each side."""
    box = ink_box(block)
    if box is None:
        return None
    h, w = image.shape[:2]
    x0, y0 = max(0, int(box.x0) - pad), max(0, int(box.y0) - pad)
    x1, y1 = min(w, int(box.x1) + pad), min(h, int(box.y1) + pad)
    if x1 - x0 < 8 or y1 - y0 < 8:
        return None
    pixels = image[y0:y1, x0:x1].astype(np.float64)
    ring = max(2, min(pad // 3, (y1 - y0) // 4, (x1 - x0) // 4))
    return _Window(pixels, background_model(pixels, ring), _glyph_alpha(block, (x0, y0), (y1 - y0, x1 - x0)),
                   (x0, y0))


# ---------------------------------------------------------------- gradient fill

def measure_gradient(block: TextBlock, window: _Window) -> Gradient | None:
    """The fill's linear gradient, when the solid glyph pixels ramp from one colour to another."""
    ys, xs = np.nonzero(window.alpha >= 0.95)
    if len(xs) < 50:
        return None
    colors = window.pixels[ys, xs]
    plane = fit_plane(xs, ys, colors)
    residual = colors - plane.at(xs, ys)
    total = ((colors - colors.mean(axis=0)) ** 2).sum()
    if total <= 0 or 1 - (residual ** 2).sum() / total < GRADIENT_MIN_R2:
        return None
    slope = plane.slope
    eigenvalues, eigenvectors = np.linalg.eigh(slope @ slope.T)
    direction = eigenvectors[:, int(np.argmax(eigenvalues))]
    if not -45.0 < np.degrees(np.arctan2(direction[1], direction[0])) <= 135.0:
        direction = -direction  # one canonical sign: left to right, top to bottom; start and end follow it
    # the render lays the gradient across the unturned ink box, so measure the ends there
    flat = render_block(block.model_copy(update={"rotation": 0.0}), shadow=False)
    if flat is None:
        return None
    layer, (left, top) = flat
    corners = np.array([[left, top], [left + layer.width, top], [left, top + layer.height],
                        [left + layer.width, top + layer.height]], np.float64)
    turn = np.radians(block.rotation)
    cos, sin = np.cos(turn), np.sin(turn)
    offset = corners - (block.x, block.baseline)
    # screen coordinates (y down): a counter-clockwise turn by `rotation`
    turned = np.column_stack([offset[:, 0] * cos + offset[:, 1] * sin,
                              -offset[:, 0] * sin + offset[:, 1] * cos]) + (block.x, block.baseline)
    turned -= window.origin
    along = turned @ direction
    centre = np.array([xs.mean(), ys.mean()])  # the ramp read where the box's extreme corners project
    start, end = plane.at(*np.transpose([centre + direction * (along.min() - centre @ direction),
                                         centre + direction * (along.max() - centre @ direction)]))
    if color_distance(start, end) < GRADIENT_MIN_CONTRAST:
        return None
    angle = float(np.degrees(np.arctan2(direction[1], direction[0]))) + block.rotation
    return Gradient(start=rgb_to_hex(start), end=rgb_to_hex(end), angle=round(angle, 1))


# ---------------------------------------------------------------- outline stroke

def measure_stroke(block: TextBlock, window: _Window) -> TextStroke | None:
    """The outline around the glyphs: its colour and its width outside them."""
    solid = window.alpha > 0.5
    if solid.sum() < 20:
        return None
    outside = cv2.distanceTransform((~solid).astype(np.uint8), cv2.DIST_L2, 5)
    near = (outside >= 1.0) & (outside <= 2.0)
    if near.sum() < 20:
        return None
    color = np.median(window.pixels[near], axis=0)
    backdrop = np.median(window.background[near], axis=0)
    fill = np.array(hex_to_rgb(block.style.color), np.float64)
    if color_distance(color, backdrop) < STROKE_MIN_CONTRAST or color_distance(color, fill) < STROKE_MIN_CONTRAST:
        return None
    matches = np.linalg.norm(window.pixels - color, axis=2) <= 0.5 * color_distance(color, backdrop)
    if matches[near].mean() < STROKE_MIN_AROUND:
        return None
    # width: the stroke's mean coverage summed over one-pixel rings outside the glyphs
    toward = color - window.background
    coverage = np.clip(((window.pixels - window.background) * toward).sum(axis=2)
                       / np.maximum((toward * toward).sum(axis=2), 1e-6), 0.0, 1.0)
    width, widest = 0.0, max(3, int(STROKE_MAX_WIDTH * block.style.size_px))
    for r in range(1, widest + STROKE_END + 1):
        ring = (outside > r - 1) & (outside <= r)
        if not ring.any():
            break
        share = float(coverage[ring].mean())
        if share < 0.15:
            break
        if r > widest:
            return None  # the colour goes on past any outline's width: a panel the text sits on
        width += share
    if width < 0.75:
        return None
    return TextStroke(color=rgb_to_hex(color), width_px=round(width, 1))


# ---------------------------------------------------------------- drop shadow

def _shifted(alpha: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """``alpha`` moved by whole pixels, zero where nothing moved in."""
    moved = np.zeros_like(alpha)
    h, w = alpha.shape
    moved[max(0, dy):h + min(0, dy), max(0, dx):w + min(0, dx)] = \
        alpha[max(0, -dy):h - max(0, dy), max(0, -dx):w - max(0, dx)]
    return moved


def _best_offset(change: np.ndarray, free: np.ndarray, silhouette: np.ndarray, reach: int
                 ) -> tuple[int, int, float]:
    """The shift of ``silhouette`` whose uncovered part best matches ``change`` (cosine similarity)."""
    pad = ((reach, reach), (reach, reach))
    signal = np.pad(change * free, pad).astype(np.float32)
    room = np.pad(free.astype(np.float32), pad)
    template = silhouette.astype(np.float32)
    overlap = cv2.matchTemplate(signal, template, cv2.TM_CCORR)
    energy = cv2.matchTemplate(room, template * template, cv2.TM_CCORR)
    norm = np.sqrt(np.maximum(energy, 1e-6) * float((signal * signal).sum()))
    score = np.where(energy > 0.02 * float((template * template).sum()), overlap / norm, 0.0)
    score[reach, reach] = 0.0  # no shift is no shadow (a glow is not measured)
    iy, ix = np.unravel_index(int(np.argmax(score)), score.shape)
    return int(ix) - reach, int(iy) - reach, float(score[iy, ix])


def _shadow_reach(size: float) -> int:
    """How far (px) a drop shadow of text of em ``size`` is looked for."""
    return int(min(40, max(4, 0.25 * size)))


def measure_shadow(block: TextBlock, window: _Window) -> TextShadow | None:
    """The drop shadow under the glyphs (and stroke): offset, blur, colour and opacity."""
    size = block.style.size_px
    silhouette = window.alpha
    covered = cv2.dilate((silhouette > 0.02).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    free = ~covered
    offset = window.pixels - window.background
    change = np.linalg.norm(offset, axis=2)
    change = np.where(change > 8.0, change, 0.0)  # noise and gentle shading are not a shadow
    if ((change > 0) & free).sum() < 0.05 * (silhouette > 0.5).sum():
        return None  # (almost) nothing changes around the text
    dx, dy, match = _best_offset(change, free, silhouette, _shadow_reach(size))
    if match < SHADOW_MIN_MATCH:
        return None
    observed = offset[free]

    def fit(sx: int, sy: int, sigma: float) -> tuple[float, np.ndarray, np.ndarray] | None:
        """Residual, full-alpha colour change and weights of a shadow shifted by (sx, sy), blurred by sigma."""
        moved = _shifted(silhouette, sx, sy)
        weight = (cv2.GaussianBlur(moved, (0, 0), sigma) if sigma > 0 else moved)[free]
        if (weight * weight).sum() < 1.0:
            return None
        step = (weight[:, None] * observed).sum(axis=0) / (weight * weight).sum()
        return float(((observed - weight[:, None] * step) ** 2).sum()), step, weight

    # the blur at the correlation's offset, then the offset one pixel around (the peak leans with the blur)
    fits = {(dx, dy, sigma): result for sigma in sorted({float(round(b * size)) for b in SHADOW_BLURS})
            if (result := fit(dx, dy, sigma)) is not None}
    if not fits:
        return None
    sigma = min(fits, key=lambda key: fits[key][0])[2]
    for sx, sy in ((dx + i, dy + j) for i in (-1, 0, 1) for j in (-1, 0, 1)):
        if (sx, sy, sigma) not in fits and (result := fit(sx, sy, sigma)) is not None:
            fits[(sx, sy, sigma)] = result
    dx, dy, sigma = min(fits, key=lambda key: (fits[key][0], key))
    _, step, weight = fits[(dx, dy, sigma)]
    near = weight > 0.05  # where the shadow model paints: the fit is judged there
    local = observed[near]
    explained = 1 - ((local - weight[near, None] * step) ** 2).sum() / max(float((local ** 2).sum()), 1e-6)
    if explained < SHADOW_MIN_EXPLAINED or np.linalg.norm(step) < SHADOW_MIN_CHANGE:
        return None
    if np.hypot(dx, dy) < SHADOW_MIN_OFFSET or step.sum() >= 0:
        return None  # a halo hugging the glyphs, or light: a glow or a font mismatch, not a drop shadow
    color, opacity = _shadow_paint(step, np.median(window.background[free][near], axis=0))
    return TextShadow(color=color, opacity=opacity, dx=float(dx), dy=float(dy), blur_px=round(sigma, 1))


def _shadow_paint(step: np.ndarray, backdrop: np.ndarray) -> tuple[str, float]:
    """Colour and opacity of a shadow that changes ``backdrop`` by ``step`` where it is dense.

    A shadow that darkens every channel in proportion is black at some opacity
    (the common case); otherwise it is the colour it paints, fully opaque.
    """
    if (step < 0).all() and (backdrop > 16).all():
        ratios = -step / backdrop
        if ratios.max() - ratios.min() <= 0.15 and ratios.mean() <= 1.0:
            return "#000000", round(float(np.clip(ratios.mean(), 0.05, 1.0)), 2)
    return rgb_to_hex(backdrop + step), 1.0


# ---------------------------------------------------------------- all of them

@timed("text.effects")
def measure_effects(block: TextBlock, image: np.ndarray) -> TextBlock:
    """``block`` with the gradient, stroke and drop shadow its surroundings in ``image`` show."""
    if block.fidelity is None or block.fidelity < EFFECT_MIN_FIDELITY:
        return block
    size = block.style.size_px
    window = _window(block, image, pad=int(0.3 * size) + _shadow_reach(size) + 4)
    if window is None:
        return block
    style = block.style
    update: dict = {}
    gradient = measure_gradient(block, window)
    if gradient is not None:
        update["gradient"] = gradient
    stroke = measure_stroke(block, window)
    if stroke is not None:
        update["stroke"] = stroke
        block = block.model_copy(update={"style": style.model_copy(update={"stroke": stroke})})
        window.alpha = _glyph_alpha(block, window.origin, window.alpha.shape)
    shadow = measure_shadow(block, window)
    if shadow is not None:
        update["shadow"] = shadow
    if not update:
        return block
    return block.model_copy(update={"style": style.model_copy(update=update)})


def with_outline(block: TextBlock, group: list[MeasuredLine]) -> TextBlock:
    """``block`` with the outline its lines' ink showed (:class:`.measured.Outline`) as its stroke, unless
    the rings around its render gave one: fill and outline stand out on either side of the background, so
    the ink held both and the outline is known before any render fits."""
    outlines = [line.outline for line in group if line.outline is not None]
    if block.style.stroke is not None or len(outlines) * 2 <= len(group):
        return block
    color = np.median(np.array([o.color for o in outlines], np.float64), axis=0)
    width = float(np.median([o.width for o in outlines]))
    stroke = TextStroke(color=rgb_to_hex(color), width_px=round(width, 1))
    return block.model_copy(update={"style": block.style.model_copy(update={"stroke": stroke})})


EFFECT_MASK_ALPHA = 0.03
"""Stroke and shadow coverage above which a pixel is erased: a faint shadow edge still tints the plate."""


def effects_mask(shape: tuple[int, int], blocks: list[TextBlock]) -> np.ndarray:
    """Where the blocks' strokes and shadows paint (to erase from the plate with the glyphs)."""
    mask = np.zeros(shape, bool)
    for block in blocks:
        if block.style.stroke is not None or block.style.shadow is not None:
            mask |= alpha_over(render_block(block), (0, 0), shape) > EFFECT_MASK_ALPHA
    return mask
