"""Render and compare: each block's size and anchor adjusted until its render covers the input's ink.

Also the block's fidelity (how well it fits), the colour under its solid glyph
pixels, and the mask of the ink to erase from the plate.
"""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

from ..primitives.color import rgb_to_hex
from ..primitives.compose import alpha_over
from ..render import render_block
from ..scene import TextBlock
from ..timing import timed
from .ink import clean, paint_floor
from .measured import MeasuredLine


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


REFINE_ROUNDS = 2
"""Passes over the steps: the first finds the size, the second settles the anchor; more rarely gain."""


@timed("text.refine")
def refine_block(block: TextBlock, group: list[MeasuredLine], image: np.ndarray) -> TextBlock:
    """Adjust size and anchor so the block's render best covers the input's ink; set colour and fidelity.

    Bounded coordinate descent (:data:`REFINE_ROUNDS` passes over :data:`REFINE_STEPS`,
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
    for _ in range(REFINE_ROUNDS):
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
    """The median input colour under a render's solid glyph pixels; None when too few lie in the image.

    Thin glyphs (few solid pixels for their ink: small text) are never drawn solid in the input, each of
    their pixels a mix with the background a fraction of a pixel off the render: their colour is read
    from the pixels of their cores (half covered or more) that stand out most from what lies around (and
    on a clean background, once the roles are settled, from their ink mass: :func:`paint_thin`)."""
    layer, (left, top) = rendered
    alpha = np.asarray(layer.getchannel("A"))
    thin = _thin(alpha)
    core = _pixels(image, alpha >= (128 if thin else 240), left, top)
    if len(core) < 12:
        return None
    if thin and len(around := _pixels(image, alpha == 0, left, top)) >= 12:
        contrast = np.abs(core - np.median(around, axis=0)).max(axis=1)
        core = core[contrast >= np.percentile(contrast, THIN_CONTRAST_PERCENTILE)]
    return rgb_to_hex(np.median(core, axis=0))


def _thin(alpha: np.ndarray) -> bool:
    """Whether a render's glyphs are thin: few of its pixels solid (small text)."""
    return bool((alpha >= 240).sum() < THIN_SOLID_SHARE * max(int((alpha > 0).sum()), 1))


@timed("text.refine")
def paint_thin(block: TextBlock, image: np.ndarray) -> TextBlock:
    """``block`` with the colour of its thin glyphs read from their ink mass where that holds (a fitted
    render on a clean background: :func:`_mass_color`); else as it was. It runs once the texts' roles are
    settled: the pixel estimate that sets a role's look is the same for all its members, fitted or not."""
    if block.fidelity is None or block.fidelity < SOLID_COLOR_MIN_FIDELITY:
        return block
    rendered = render_block(block, shadow=False)
    if rendered is None:
        return block
    layer, (left, top) = rendered
    alpha = np.asarray(layer.getchannel("A"))
    if not _thin(alpha) or (paint := _mass_color(alpha, left, top, image)) is None:
        return block
    return block.model_copy(update={"style": block.style.model_copy(update={"color": rgb_to_hex(paint)})})


MASS_NEAR, MASS_CLEAR = 1, 3
"""Ink mass is summed over the render's pixels and MASS_NEAR px around them (where the input's glyphs lie
a fraction of a pixel off, or blurred); the background is read MASS_CLEAR px or more from them."""


def _mass_color(alpha: np.ndarray, left: int, top: int, image: np.ndarray) -> np.ndarray | None:
    """Thin glyphs' paint from their ink mass: the input's difference from its background summed around the
    render, over the render's summed coverage. Anti-aliasing, a sub-pixel shift and a blur all spread the
    paint over more pixels and keep that sum, where any single pixel is a blend lighter than the paint.
    None when the neighbourhood leaves the image or shows no background."""
    pad = MASS_CLEAR + 1
    h, w = alpha.shape
    x0, y0 = left - pad, top - pad
    if x0 < 0 or y0 < 0 or x0 + w + 2 * pad > image.shape[1] or y0 + h + 2 * pad > image.shape[0]:
        return None
    cover = np.pad(alpha.astype(np.float64) / 255.0, pad)
    drawn = (cover > 0).astype(np.uint8)
    near = cv2.dilate(drawn, np.ones((2 * MASS_NEAR + 1,) * 2, np.uint8)) > 0
    clear = cv2.dilate(drawn, np.ones((2 * MASS_CLEAR + 1,) * 2, np.uint8)) == 0
    window = image[y0:y0 + h + 2 * pad, x0:x0 + w + 2 * pad].astype(np.float64)
    if clear.sum() < 12:
        return None
    background = np.median(window[clear], axis=0)
    spread = (window[clear] - background).max(axis=1)
    if not clean(spread):
        return None  # noise, compression and sharpening break the sum
    diff = window[near] - background
    mass = diff.sum(axis=0) / cover.sum()
    length = float(np.linalg.norm(mass))
    if length < 1e-6:
        return None
    unit = mass / length
    # a bolder render than the input's glyphs spreads the same mass thinner: the pixels bound it from below
    floor = paint_floor(diff, unit, spread)
    return np.clip(background + unit * max(length, floor), 0.0, 255.0)


def _pixels(image: np.ndarray, where: np.ndarray, left: int, top: int) -> np.ndarray:
    """The image's pixels (N x 3 float) under the ``where`` pixels of a layer placed at ``(left, top)``."""
    ys, xs = np.nonzero(where)
    ys, xs = ys + top, xs + left
    inside = (ys >= 0) & (ys < image.shape[0]) & (xs >= 0) & (xs < image.shape[1])
    return image[ys[inside], xs[inside]].astype(np.float32)


THIN_SOLID_SHARE, THIN_CONTRAST_PERCENTILE = 0.35, 75
"""Glyphs are thin when fewer than THIN_SOLID_SHARE of their render's pixels are solid; their colour is then
read from their ink mass on a clean background (:func:`_mass_color`), else from the solid pixels above this
percentile of contrast with what lies around them."""
INK_MASK_COVERAGE = 0.12
"""Ink coverage above which a pixel is erased: the anti-aliased fringe, not the background's noise."""


def text_mask(shape: tuple[int, int], lines: list[MeasuredLine]) -> np.ndarray:
    """Boolean mask of every line's ink (anti-aliased fringe included) and of the outline ringing it."""
    mask = np.zeros(shape, bool)
    for line in lines:
        x0, y0, x1, y1 = line.region
        mask[y0:y1, x0:x1] |= line.coverage > INK_MASK_COVERAGE
        if line.outline_coverage is not None:
            mask[y0:y1, x0:x1] |= line.outline_coverage > INK_MASK_COVERAGE
    return mask
