"""Erasing, the fourth stage: the holes text and objects leave in the plate, filled.

Every engine (one module each, in :data:`layerize.registry.INPAINTERS`) fills
crop windows around groups of holes (:mod:`.windows`) and pastes back only the
hole pixels. Engines: ``plane`` (the linear gradient fitted around a hole: exact
on flat colour and linear gradients), ``opencv`` (Telea, for smooth but
non-linear surroundings), ``patchmatch`` (for textured surroundings), ``lama``
(a user-supplied LaMa ONNX model) and ``auto``, which picks one per group of
holes by the texture around it.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from ..config import InpaintConfig
from ..registry import INPAINTERS
from .windows import resize


@runtime_checkable
class Inpainter(Protocol):
    name: str

    def fill(self, image: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """A copy of ``image`` (HxWx3 uint8) with the pixels where ``mask`` (HxW bool) is True replaced."""


COARSE_SIDE = 512
"""Long side the plate is shrunk to for the holes objects leave: hidden until moved, so a coarse fill will do."""


def fill_coarse(inpainter: Inpainter, image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``inpainter.fill`` run on the image shrunk to :data:`COARSE_SIDE` and enlarged back, pasted into the holes only.

    For the large holes objects leave in the plate, which are hidden until the
    object is moved: a fraction of the cost of a full-size fill.
    """
    height, width = mask.shape
    scale = min(1.0, COARSE_SIDE / max(height, width))
    if scale == 1.0:
        return inpainter.fill(image, mask)
    size = (max(1, round(height * scale)), max(1, round(width * scale)))
    small_mask = resize(mask.astype(np.float32), size) > 0
    filled = resize(inpainter.fill(resize(image, size), small_mask).astype(np.float32), (height, width))
    out = image.copy()
    out[mask] = np.clip(np.rint(filled[mask]), 0, 255).astype(np.uint8)
    return out


def erase(image: np.ndarray, mask: np.ndarray, engine: str | Inpainter = "auto",
          cfg: InpaintConfig | None = None) -> np.ndarray:
    """``image`` with the pixels under ``mask`` filled by ``engine`` (a name, with ``cfg``, or an inpainter)."""
    return INPAINTERS.create(engine, cfg or InpaintConfig()).fill(image, mask)
