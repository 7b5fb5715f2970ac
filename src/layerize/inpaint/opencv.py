"""The ``opencv`` inpainter: OpenCV's Telea method, for smooth but not linear surroundings."""

from __future__ import annotations

import cv2
import numpy as np

from ..config import InpaintConfig
from .windows import fill_windows

RADIUS = 5
"""Telea's neighbourhood (px): wide enough to carry a gradient over a stroke, small enough to stay local."""


class OpenCVInpainter:
    """OpenCV's Telea inpainting: smooth fills that continue flat colours and gradients."""

    name = "opencv"

    def __init__(self, cfg: InpaintConfig | None = None) -> None:
        self.radius = RADIUS
        self.margin = 2 * RADIUS + 2
        self.gap = 2 * self.margin

    def fill(self, image: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return fill_windows(image, mask, self.margin, self.fill_crop, gap=self.gap)

    def fill_crop(self, crop: np.ndarray, crop_mask: np.ndarray) -> np.ndarray:
        """``crop`` with all its holes filled in one call."""
        return cv2.inpaint(np.ascontiguousarray(crop), crop_mask.astype(np.uint8), self.radius, cv2.INPAINT_TELEA)

