"""Conformance checks on a file as an independent renderer draws it: coloured runs, gradient rectangles,
path holes and dashes show as the scene says (see :mod:`.conformance`)."""

from __future__ import annotations

import math

import numpy as np

from ..primitives.color import hex_to_rgb
from ..primitives.masks import crop_window, dilate
from ..primitives.paths import coverage, depths
from ..render import gradient_points, line_endpoints, render_block
from ..scene import Shape, TextBlock

Problems = list[str]

COLOR_TOLERANCE = 60
"""Per channel, how far a drawn pixel may be from a colour and still show it (anti-aliasing, colour management)."""
RUN_INK_SHARE = 0.3
"""Share of a coloured run's glyph interiors a drawing must show in its colour (renderers differ by a pixel or two)."""
STRAY_INK_SHARE = 0.05
"""Largest share of the rest of the line a drawing may show in the run's colour."""
DASH_RUNS, DASH_SHARE = 0.7, (0.6, 1.4)
"""A dashed stroke's drawing shows at least DASH_RUNS of its dashes as separate runs of its colour, covering
between these multiples of the dashes' share of its length (renderers cap and anti-alias dashes a little)."""
GRADIENT_SAMPLES = (0.15, 0.85)
"""Where along a gradient rectangle's gradient its colours are sampled (clear of the anti-aliased ends)."""
GRADIENT_TOLERANCE = 40
"""Per channel, how far a drawn gradient may be from the expected colour (renderers draw gradients in steps)."""


def _near(pixels: np.ndarray, color: str, tolerance: int) -> np.ndarray:
    return np.abs(pixels.astype(int) - hex_to_rgb(color)).max(axis=-1) <= tolerance


def run_ink_problems(block: TextBlock, drawing: np.ndarray) -> Problems:
    """Each run in a colour of its own shows in that colour in the drawing, and the rest of the line does not."""
    problems = []
    plain = block.style.model_copy(update={"color": "#000000", "stroke": None, "shadow": None, "gradient": None})
    for li, line in enumerate(block.lines):
        for ri, run in enumerate(line.runs or ()):
            if run.color in (None, block.style.color):
                continue
            marked = [r.model_copy(update={"color": "#ff0000" if j == ri else None}) for j, r in enumerate(line.runs)]
            lines = [ln.model_copy(update={"runs": marked}) if k == li else ln for k, ln in enumerate(block.lines)]
            rendered = render_block(block.model_copy(update={"style": plain, "lines": lines}))
            if rendered is None:
                continue
            image, (left, top) = rendered
            ink = np.asarray(image)
            solid = ink[..., 3] > 200
            ys, xs = np.nonzero(solid)
            ys, xs = ys + top, xs + left
            inside = (ys >= 0) & (ys < drawing.shape[0]) & (xs >= 0) & (xs < drawing.shape[1])
            red = (ink[..., 0] > 200)[solid][inside]
            shown = _near(drawing[ys[inside], xs[inside]], run.color, COLOR_TOLERANCE)
            if not red.any() or shown[red].mean() < RUN_INK_SHARE or shown[~red].mean() > STRAY_INK_SHARE:
                problems.append(f"text.run_color ({block.id}): {run.text!r} is not drawn in {run.color} alone "
                                f"({shown[red].mean() if red.any() else 0:.0%} of it, "
                                f"{shown[~red].mean() if (~red).any() else 0:.0%} of the rest)")
    return problems


def gradient_ink_problems(shape: Shape, drawing: np.ndarray) -> Problems:
    """A gradient rectangle's drawing shows the gradient's colours near its ends."""
    assert shape.gradient is not None
    x1, y1, x2, y2 = gradient_points(shape.box, shape.gradient)
    start, end = (np.array(hex_to_rgb(c), float) for c in (shape.gradient.start, shape.gradient.end))
    problems = []
    for t in GRADIENT_SAMPLES:
        x, y = round(x1 + t * (x2 - x1)), round(y1 + t * (y2 - y1))
        got = np.median(drawing[y - 2:y + 3, x - 2:x + 3].reshape(-1, 3), axis=0)
        want = start + t * (end - start)
        if np.abs(got - want).max() > GRADIENT_TOLERANCE:
            problems.append(f"shape.gradient ({shape.id}): drawn {got.round().astype(int).tolist()} at {t:.0%} "
                            f"of the gradient, not {want.round().astype(int).tolist()}")
    return problems


def path_ink_problems(shape: Shape, drawing: np.ndarray) -> Problems:
    """A path's drawing shows its fill where the path covers (1 px in from its edges), and not in its holes."""
    assert shape.subpaths is not None and shape.fill is not None
    window = crop_window((int(shape.box.x0), int(shape.box.y0), math.ceil(shape.box.x1), math.ceil(shape.box.y1)),
                         0, drawing.shape[:2])
    size, corner = drawing[window].shape[:2], (window[1].start, window[0].start)
    cover = coverage(shape.subpaths, size, corner)
    outer = coverage([s for s, depth in zip(shape.subpaths, depths(shape.subpaths)) if depth == 0], size, corner)
    inside, holes = ~dilate(cover < 0.99, 1), ~dilate(cover > 0.01, 1) & ~dilate(outer < 0.99, 1)
    shown = _near(drawing[window], shape.fill, COLOR_TOLERANCE)
    problems = []
    if inside.any() and shown[inside].mean() < RUN_INK_SHARE:
        problems.append(f"shape.path ({shape.id}): {shown[inside].mean():.0%} of the path drawn in {shape.fill}")
    if holes.any() and shown[holes].mean() > STRAY_INK_SHARE:
        problems.append(f"shape.path ({shape.id}): its holes are filled ({shown[holes].mean():.0%})")
    return problems


def dash_ink_problems(shape: Shape, drawing: np.ndarray) -> Problems:
    """A dashed line's or rect's drawing, sampled pixel by pixel along its centre line, shows its stroke
    colour in runs broken where the gaps fall: about as many runs as dashes, covering about their share."""
    assert shape.dash is not None
    color = shape.stroke or shape.fill
    b = shape.box
    if shape.shape == "line":
        x1, y1, x2, y2 = line_endpoints(shape)
        corners = [(x1, y1), (x2, y2)]
    elif shape.shape == "rect" and not shape.corner_radius:
        corners = [(b.x0, b.y0), (b.x1, b.y0), (b.x1, b.y1), (b.x0, b.y1), (b.x0, b.y0)]
    else:
        return []
    samples = np.concatenate([np.linspace(p, q, max(2, round(math.dist(p, q))), endpoint=False)
                              for p, q in zip(corners, corners[1:])])
    xs = np.clip(samples[:, 0].astype(int), 0, drawing.shape[1] - 1)
    ys = np.clip(samples[:, 1].astype(int), 0, drawing.shape[0] - 1)
    shown = _near(drawing[ys, xs], color, COLOR_TOLERANCE)  # type: ignore[arg-type]
    runs = int(shown[0]) + int((shown[1:] & ~shown[:-1]).sum())
    dashes, share = len(samples) / sum(shape.dash), shape.dash[0] / sum(shape.dash)
    if runs < DASH_RUNS * dashes or not DASH_SHARE[0] * share <= shown.mean() <= DASH_SHARE[1] * share:
        return [f"shape.dash ({shape.id}): {runs} dashes drawn covering {shown.mean():.0%}, not about "
                f"{dashes:.0f} covering {share:.0%}"]
    return []
