"""Per-export fidelity: how closely a written file, drawn again, matches the input image.

The analyser scores each text block (:attr:`TextBlock.fidelity`, how well its
render covers the ink). An export is scored whole: an exporter that can have
its file drawn by an independent reader offers ``preview(path)`` (PSD: the
composite psd-tools reads back; SVG: resvg; PPTX: LibreOffice, slow, so only
on request), and that drawing is compared with the input by SSIM (structure,
0..1) and PSNR (dB). A user converting many images sorts by these to know
which files to open first.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from ..primitives.compose import on_white
from ..registry import EXPORTERS, format_for
from ..scene import Scene
from ..timing import stage
from .exporter import Previewer


@dataclass(frozen=True)
class Fidelity:
    """The comparison of a redrawn export with the input."""

    ssim: float
    psnr: float

    def as_dict(self) -> dict[str, float]:
        return {"ssim": round(self.ssim, 4), "psnr": round(self.psnr, 2)}


BAND_ROWS = 256
"""SSIM and PSNR run over bands of this many rows (with the window's context), so their float arrays stay
small on a large canvas; the result is that of the whole image."""

WINDOW = 11
"""The SSIM window (Gaussian, sigma 1.5): a band needs ``WINDOW // 2`` rows of context on each side."""


def _bands(height: int, margin: int = 0) -> list[tuple[slice, slice]]:
    """(rows read, rows kept within them) for each band of an image ``height`` rows high, read with
    ``margin`` rows of context on each side."""
    bands = []
    for top in range(0, height, BAND_ROWS):
        bottom = min(height, top + BAND_ROWS)
        lo, hi = max(0, top - margin), min(height, bottom + margin)
        bands.append((slice(lo, hi), slice(top - lo, bottom - lo)))
    return bands


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean structural similarity of two RGB images' luma (Gaussian window, sigma 1.5; Wang et al. 2004)."""
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2

    def blur(v: np.ndarray) -> np.ndarray:
        return cv2.GaussianBlur(v, (WINDOW, WINDOW), 1.5)

    total = 0.0
    for read, keep in _bands(a.shape[0], WINDOW // 2):
        x, y = (cv2.cvtColor(np.ascontiguousarray(v[read]), cv2.COLOR_RGB2GRAY).astype(np.float64) for v in (a, b))
        mx, my = blur(x), blur(y)
        vx, vy, cov = blur(x * x) - mx * mx, blur(y * y) - my * my, blur(x * y) - mx * my
        index = ((2 * mx * my + c1) * (2 * cov + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
        total += float(index[keep].sum())
    return total / (a.shape[0] * a.shape[1])


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB (capped at 100 for identical images)."""
    squared = sum(float(np.square(a[rows].astype(np.int32) - b[rows].astype(np.int32)).sum())
                  for rows, _ in _bands(a.shape[0]))
    mse = squared / a.size
    return 100.0 if mse <= 1e-10 else min(100.0, 10 * np.log10(255.0 ** 2 / mse))


def compare(reference: Image.Image, drawn: Image.Image) -> Fidelity:
    """Fidelity of ``drawn`` to ``reference`` (``drawn`` resized to it first, composited over white)."""
    drawn = on_white(drawn)
    if drawn.size != reference.size:
        drawn = drawn.resize(reference.size, Image.LANCZOS)
    a, b = np.asarray(reference.convert("RGB")), np.asarray(drawn)
    return Fidelity(ssim=ssim(a, b), psnr=psnr(a, b))


def export_fidelity(scene: Scene, path: Path | str, slow: bool = False, exporter: object = None) -> Fidelity | None:
    """Fidelity of the file at ``path`` (written from ``scene`` by ``exporter``, default: the one for its
    extension) to the scene's input image.

    None when the scene keeps no input image or the format's exporter has no
    offline preview (or only a slow one, unless ``slow``).
    """
    if scene.original is None:
        return None
    exporter = exporter or EXPORTERS.create(format_for(path))
    if not isinstance(exporter, Previewer) or (exporter.slow_preview and not slow):
        return None
    with stage("export.preview"):
        drawn = exporter.preview(Path(path))
    with stage("export.compare"):
        return None if drawn is None else compare(scene.original, drawn)
