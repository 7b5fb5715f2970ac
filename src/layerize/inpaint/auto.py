"""The ``auto`` inpainter: per group of holes, the engine its surroundings call for."""

from __future__ import annotations

import numpy as np

from ..config import InpaintConfig
from .opencv import OpenCVInpainter
from .patchmatch import PatchMatchInpainter
from .plane import RING_GAP, RING_WIDTH, PlaneInpainter, ring_texture
from .windows import check, fill_windows, windows

SMOOTH_THRESHOLD = 1.5
"""Ring texture (std-dev after a linear fit) up to which the surroundings are flat or a linear gradient."""


def choose_engine(image: np.ndarray, mask: np.ndarray, texture_threshold: float) -> str:
    """``"plane"`` for flat or linear-gradient surroundings, ``"patchmatch"`` for textured ones, else ``"opencv"``."""
    texture = ring_texture(image, mask)
    if texture <= SMOOTH_THRESHOLD:
        return "plane"
    return "patchmatch" if texture > texture_threshold else "opencv"


class AutoInpainter:
    """Per group of holes: plane for flat or linear-gradient surroundings, patchmatch for textured
    ones, opencv for the rest.

    Holes closer than twice the ring's reach form a group (in text: a word or a
    line); each group is classified by :func:`choose_engine` on its own ring.
    """

    name = "auto"

    def __init__(self, cfg: InpaintConfig | None = None) -> None:
        cfg = cfg or InpaintConfig()
        self.texture_threshold = cfg.texture_threshold
        self._engines: dict[str, PlaneInpainter | OpenCVInpainter | PatchMatchInpainter] = {
            "plane": PlaneInpainter(cfg),
            "opencv": OpenCVInpainter(cfg),
            "patchmatch": PatchMatchInpainter(cfg),
        }

    def fill(self, image: np.ndarray, mask: np.ndarray) -> np.ndarray:
        check(image, mask)
        mask = mask.astype(bool)
        targets = {name: np.zeros_like(mask) for name in self._engines}
        for window, owned in windows(mask, RING_GAP + RING_WIDTH):
            targets[choose_engine(image[window], mask[window], self.texture_threshold)][window] |= owned
        out = image
        for name, engine in self._engines.items():
            out = fill_windows(out, mask, engine.margin, engine.fill_crop, target=targets[name], gap=engine.gap)
        return out

