"""The ``patchmatch`` inpainter (pypatchmatch): patches copied from the surroundings, so textures carry on."""

from __future__ import annotations

import numpy as np

from ..config import InpaintConfig
from ..errors import EngineError
from .windows import fill_windows

PATCH_SIZE = 3
"""Patch side (px): small patches follow fine textures (noise, stripes) without smearing them."""
MARGIN = 48
"""Context (px) around each hole group: enough texture to copy from for a poster's word."""
GAP = 24
"""Holes further apart (px; about a word space on a poster) get windows of their own."""
SEED = 0
"""The native generator's seed: fixed, so the same input gives the same bytes."""


class PatchMatchInpainter:
    """PatchMatch (pypatchmatch): copies patches from the surroundings, so textures carry on.

    Its cost grows faster than the window, so holes further apart than ``gap``
    (about a word space on a poster) get windows of their own, each with
    ``margin`` pixels of context, and the windows are filled in parallel.
    """

    name = "patchmatch"

    def __init__(self, cfg: InpaintConfig | None = None) -> None:
        from patchmatch import patch_match

        if not patch_match.patchmatch_available:
            raise EngineError("inpainter 'patchmatch': the pypatchmatch native library failed to load")
        self._patch_match = patch_match
        self.patch_size = PATCH_SIZE
        self.margin = MARGIN
        self.gap = GAP
        self.seed = SEED

    def fill(self, image: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return fill_windows(image, mask, self.margin, self.fill_crop, gap=self.gap)

    def fill_crop(self, crop: np.ndarray, crop_mask: np.ndarray) -> np.ndarray:
        """``crop`` with all its holes filled in one call."""
        # the native library seeds each call's (thread-local) generator from one global seed
        self._patch_match.set_random_seed(self.seed)
        return self._patch_match.inpaint(crop, crop_mask, patch_size=self.patch_size)

