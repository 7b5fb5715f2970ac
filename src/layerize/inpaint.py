"""Inpainters: fill the holes left in the background plate where text was erased.

Every engine works on crop windows around groups of holes (see :func:`_windows`),
so its cost scales with the holes rather than with the image, and pastes back
only the hole pixels: everything outside the mask stays bit-exact.

Engines: ``plane`` (the linear gradient fitted around a hole: exact on flat
colour and linear gradients), ``opencv`` (Telea, for smooth but non-linear
surroundings), ``patchmatch`` (for textured surroundings), ``lama`` (a
user-supplied LaMa ONNX model) and ``auto``, which picks one per group of holes
by the texture around it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol, runtime_checkable

import cv2
import numpy as np

from .config import InpaintConfig
from .errors import EngineError
from .registry import Registry

Window = tuple[slice, slice]
CropFill = Callable[[np.ndarray, np.ndarray], np.ndarray]

RING_GAP = 2
"""Pixels skipped around a hole before the ring measured by :func:`ring_texture` (anti-aliased ink)."""
RING_WIDTH = 8
"""Width in pixels of the ring measured by :func:`ring_texture`."""
THREADS = os.cpu_count() or 1
"""Windows filled at once. The engines' native code (PatchMatch, OpenCV, onnxruntime) runs without the GIL."""


@runtime_checkable
class Inpainter(Protocol):
    name: str

    def fill(self, image: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """A copy of ``image`` (HxWx3 uint8) with the pixels where ``mask`` (HxW bool) is True replaced."""


INPAINTERS: Registry[Inpainter] = Registry("inpainter")


def _check(image: np.ndarray, mask: np.ndarray) -> None:
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"image must be HxWx3 uint8, got shape {image.shape} and dtype {image.dtype}")
    if mask.shape != image.shape[:2]:
        raise ValueError(f"mask must be HxW {image.shape[:2]}, got shape {mask.shape}")


def dilate(mask: np.ndarray, radius: int, disc: bool = False) -> np.ndarray:
    """``mask`` grown by ``radius`` pixels: over a square neighbourhood, or a disc when ``disc``."""
    if radius <= 0:
        return mask.astype(bool, copy=True)
    size = (2 * radius + 1, 2 * radius + 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, size) if disc else np.ones(size, np.uint8)
    return cv2.dilate(mask.astype(np.uint8), kernel) > 0


def _windows(mask: np.ndarray, margin: int, min_size: tuple[int, int] = (0, 0),
             gap: int | None = None) -> list[tuple[Window, np.ndarray]]:
    """Crop windows around the holes, each with the boolean mask of the holes it owns.

    Holes closer than ``gap`` (default ``2 * margin``) share a window; a window is
    the bounding box of its holes grown by ``margin`` and, where the image allows,
    to at least ``min_size`` (height, width). Windows may overlap, but each hole
    pixel is owned by exactly one.
    """
    gap = 2 * margin if gap is None else gap
    count, labels, stats, _ = cv2.connectedComponentsWithStats(dilate(mask, gap // 2).astype(np.uint8), connectivity=8)
    height, width = mask.shape
    result = []
    for label in range(1, count):
        x, y, w, h = (int(v) for v in stats[label, :4])
        near = (slice(y, y + h), slice(x, x + w))
        # the holes' own bounding box: the component's is grown by gap // 2 (less at the image's edges)
        hx, hy, hw, hh = cv2.boundingRect(((labels[near] == label) & mask[near]).astype(np.uint8))
        y0, y1 = _grow(max(0, y + hy - margin), min(height, y + hy + hh + margin), min_size[0], height)
        x0, x1 = _grow(max(0, x + hx - margin), min(width, x + hx + hw + margin), min_size[1], width)
        window = (slice(y0, y1), slice(x0, x1))
        result.append((window, (labels[window] == label) & mask[window]))
    return result


def _grow(start: int, stop: int, size: int, limit: int) -> tuple[int, int]:
    """The span ``start:stop`` widened around its centre to ``size``, kept within ``0:limit``."""
    size = min(size, limit)
    extra = size - (stop - start)
    if extra <= 0:
        return start, stop
    start = min(max(0, start - extra // 2), limit - size)
    return start, start + size


def _fill_windows(image: np.ndarray, mask: np.ndarray, margin: int, fill_crop: CropFill,
                  min_size: tuple[int, int] = (0, 0), target: np.ndarray | None = None,
                  gap: int | None = None) -> np.ndarray:
    """Fill windows around the ``target`` holes (default: all) with ``fill_crop(crop, crop_mask)``.

    Each crop's mask holds every hole in the window, so no hole serves as context,
    but only the ``target`` holes the window owns are pasted back. Windows are
    filled on :data:`THREADS` threads, largest first; each fill reads only the
    input image and the windows own disjoint holes, so the result does not depend
    on the order in which they finish.
    """
    _check(image, mask)
    mask = mask.astype(bool)
    windows = _windows(mask if target is None else target, margin, min_size, gap)
    windows.sort(key=lambda item: (item[0][0].stop - item[0][0].start) * (item[0][1].stop - item[0][1].start),
                 reverse=True)
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        filled = list(pool.map(lambda item: fill_crop(image[item[0]], mask[item[0]]), windows))
    out = image.copy()
    for (window, owned), crop in zip(windows, filled, strict=True):
        out[window][owned] = crop[owned]
    return out


@INPAINTERS.register("opencv")
class OpenCVInpainter:
    """OpenCV's Telea inpainting: smooth fills that continue flat colours and gradients."""

    name = "opencv"

    def __init__(self, radius: int = 5) -> None:
        self.radius = radius
        self.margin = 2 * radius + 2
        self.gap = 2 * self.margin

    def fill(self, image: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return _fill_windows(image, mask, self.margin, self.fill_crop, gap=self.gap)

    def fill_crop(self, crop: np.ndarray, crop_mask: np.ndarray) -> np.ndarray:
        """``crop`` with all its holes filled in one call."""
        return cv2.inpaint(np.ascontiguousarray(crop), crop_mask.astype(np.uint8), self.radius, cv2.INPAINT_TELEA)


@INPAINTERS.register("patchmatch")
class PatchMatchInpainter:
    """PatchMatch (pypatchmatch): copies patches from the surroundings, so textures carry on.

    Its cost grows faster than the window, so holes further apart than ``gap``
    (about a word space on a poster) get windows of their own, each with
    ``margin`` pixels of context, and the windows are filled in parallel.
    """

    name = "patchmatch"

    def __init__(self, patch_size: int = 3, margin: int = 48, gap: int = 24, seed: int = 0) -> None:
        from patchmatch import patch_match

        if not patch_match.patchmatch_available:
            raise EngineError("inpainter 'patchmatch': the pypatchmatch native library failed to load")
        self._patch_match = patch_match
        self.patch_size = patch_size
        self.margin = margin
        self.gap = gap
        self.seed = seed

    def fill(self, image: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return _fill_windows(image, mask, self.margin, self.fill_crop, gap=self.gap)

    def fill_crop(self, crop: np.ndarray, crop_mask: np.ndarray) -> np.ndarray:
        """``crop`` with all its holes filled in one call."""
        # the native library seeds each call's (thread-local) generator from one global seed
        self._patch_match.set_random_seed(self.seed)
        return self._patch_match.inpaint(crop, crop_mask, patch_size=self.patch_size)


def _plane_design(ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
    return np.stack([np.ones(len(ys)), xs, ys], axis=1).astype(np.float64)


def _ring_plane(image: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, float] | None:
    """A linear colour gradient fitted to the ring around the holes.

    Returns the 3x3 coefficients (for :func:`_plane_design`) and the largest
    per-channel residual std-dev; None when the ring is too small to fit.
    The ring starts :data:`RING_GAP` pixels off the holes and is
    :data:`RING_WIDTH` wide.
    """
    ring = dilate(mask, RING_GAP + RING_WIDTH) & ~dilate(mask, RING_GAP)
    ys, xs = np.nonzero(ring)
    if len(ys) < 3:
        return None
    design = _plane_design(ys, xs)
    values = image[ys, xs].astype(np.float64)
    coef, *_ = np.linalg.lstsq(design, values, rcond=None)
    return coef, float((values - design @ coef).std(axis=0).max())


def ring_texture(image: np.ndarray, mask: np.ndarray) -> float:
    """Texture of the ring around the holes: std-dev of its pixels after removing a linear gradient."""
    fit = _ring_plane(image, mask)
    return 0.0 if fit is None else fit[1]


def choose_engine(image: np.ndarray, mask: np.ndarray, texture_threshold: float,
                  smooth_threshold: float = 1.5) -> str:
    """``"plane"`` for flat or linear-gradient surroundings, ``"patchmatch"`` for textured ones, else ``"opencv"``."""
    texture = ring_texture(image, mask)
    if texture <= smooth_threshold:
        return "plane"
    return "patchmatch" if texture > texture_threshold else "opencv"


@INPAINTERS.register("plane")
class PlaneInpainter:
    """Fills holes with the linear colour gradient fitted around them: exact on flat colour and linear gradients."""

    name = "plane"
    margin = RING_GAP + RING_WIDTH + 1
    gap = 2 * margin

    def fill(self, image: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return _fill_windows(image, mask, self.margin, self.fill_crop, gap=self.gap)

    def fill_crop(self, crop: np.ndarray, crop_mask: np.ndarray) -> np.ndarray:
        """``crop`` with its holes set to the gradient fitted on the ring around them."""
        fit = _ring_plane(crop, crop_mask)
        if fit is None:
            return crop.copy()
        ys, xs = np.nonzero(crop_mask)
        out = crop.copy()
        out[ys, xs] = np.clip(np.rint(_plane_design(ys, xs) @ fit[0]), 0, 255).astype(np.uint8)
        return out


@INPAINTERS.register("auto")
class AutoInpainter:
    """Per group of holes: plane for flat or linear-gradient surroundings, patchmatch for textured
    ones, opencv for the rest.

    Holes closer than twice the ring's reach form a group (in text: a word or a
    line); each group is classified by :func:`choose_engine` on its own ring.
    """

    name = "auto"

    def __init__(self, texture_threshold: float = 12.0) -> None:
        self.texture_threshold = texture_threshold
        self._engines: dict[str, PlaneInpainter | OpenCVInpainter | PatchMatchInpainter] = {
            "plane": PlaneInpainter(),
            "opencv": OpenCVInpainter(),
            "patchmatch": PatchMatchInpainter(),
        }

    def fill(self, image: np.ndarray, mask: np.ndarray) -> np.ndarray:
        _check(image, mask)
        mask = mask.astype(bool)
        targets = {name: np.zeros_like(mask) for name in self._engines}
        for window, owned in _windows(mask, RING_GAP + RING_WIDTH):
            targets[choose_engine(image[window], mask[window], self.texture_threshold)][window] |= owned
        out = image
        for name, engine in self._engines.items():
            out = _fill_windows(out, mask, engine.margin, engine.fill_crop, target=targets[name], gap=engine.gap)
        return out


@INPAINTERS.register("lama")
class LamaInpainter:
    """LaMa from an ONNX file: inputs ``image`` [1,3,H,W] in 0..1 and ``mask`` [1,1,H,W] (1 = hole).

    A model with a static input size gets each window resized to that size (the
    windows are grown to it first where the image allows); a dynamic one gets the
    window padded to a multiple of 8. The output may be in 0..1 or 0..255.
    """

    name = "lama"

    def __init__(self, weights: str | Path | None = None, margin: int = 64) -> None:
        if not weights:
            raise EngineError("inpainter 'lama' needs the path of a LaMa ONNX model (weights=..., "
                              "or inpaint.lama_weights in the config)")
        path = Path(weights).expanduser()
        if not path.is_file():
            raise EngineError(f"inpainter 'lama': weights file not found: {path}")
        import onnxruntime

        try:
            self._session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own, unexported exception types
            raise EngineError(f"inpainter 'lama': cannot load {path}: {exc}") from exc
        inputs = self._session.get_inputs()
        masks = [i for i in inputs if "mask" in i.name.lower()]
        if len(inputs) != 2 or len(masks) != 1:
            raise EngineError(f"inpainter 'lama': {path} must have two inputs, an image and a mask, "
                              f"got {[i.name for i in inputs]}")
        self._mask_name = masks[0].name
        image_input = next(i for i in inputs if i.name != self._mask_name)
        self._image_name = image_input.name
        h, w = image_input.shape[2:]
        self.size = (h, w) if isinstance(h, int) and isinstance(w, int) else None
        self.margin = margin

    def fill(self, image: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return _fill_windows(image, mask, self.margin, self.fill_crop, self.size or (0, 0))

    def fill_crop(self, crop: np.ndarray, crop_mask: np.ndarray) -> np.ndarray:
        """``crop`` with all its holes filled in one run of the model."""
        h, w = crop_mask.shape
        if self.size is not None:
            size = self.size
            image = _resize(crop.astype(np.float32), size)
            # any coverage counts as a hole, so thin strokes survive shrinking
            hole = _resize(crop_mask.astype(np.float32), size) > 0
        else:
            size = (-(-h // 8) * 8, -(-w // 8) * 8)
            pad = ((0, size[0] - h), (0, size[1] - w))
            image = np.pad(crop.astype(np.float32), (*pad, (0, 0)), mode="symmetric")
            hole = np.pad(crop_mask, pad, mode="symmetric")
        feed = {
            self._image_name: (image / 255.0).transpose(2, 0, 1)[None].astype(np.float32),
            self._mask_name: hole[None, None].astype(np.float32),
        }
        out = self._session.run(None, feed)[0][0].transpose(1, 2, 0)
        if out.max() <= 1.0 + 1e-3:  # a 0..1 model; LaMa exports scaled to 0..255 exceed 1 on any real crop
            out = out * 255.0
        out = out[:h, :w] if self.size is None else _resize(out, (h, w))
        return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def _resize(array: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``array`` resized to ``size`` (height, width): area averaging to shrink, linear to enlarge."""
    h, w = size
    shrink = h * w < array.shape[0] * array.shape[1]
    return cv2.resize(array, (w, h), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)


def fill_coarse(inpainter: Inpainter, image: np.ndarray, mask: np.ndarray, max_side: int = 512) -> np.ndarray:
    """``inpainter.fill`` run on the image shrunk to ``max_side`` and enlarged back, pasted into the holes only.

    For the large holes objects leave in the plate, which are hidden until the
    object is moved: a fraction of the cost of a full-size fill.
    """
    height, width = mask.shape
    scale = min(1.0, max_side / max(height, width))
    if scale == 1.0:
        return inpainter.fill(image, mask)
    size = (max(1, round(height * scale)), max(1, round(width * scale)))
    small_mask = _resize(mask.astype(np.float32), size) > 0
    filled = _resize(inpainter.fill(_resize(image, size), small_mask).astype(np.float32), (height, width))
    out = image.copy()
    out[mask] = np.clip(np.rint(filled[mask]), 0, 255).astype(np.uint8)
    return out


def erase(image: np.ndarray, mask: np.ndarray, engine: str | Inpainter = "auto", **options: object) -> np.ndarray:
    """``image`` with the pixels under ``mask`` filled by ``engine`` (a name or an inpainter)."""
    return INPAINTERS.create(engine, **options).fill(image, mask)


def inpainter_from_config(cfg: InpaintConfig) -> Inpainter:
    """The inpainter that ``cfg`` names, with its options from the config."""
    options: dict[str, object] = {}
    if cfg.engine == "lama":
        options["weights"] = cfg.lama_weights
    elif cfg.engine == "auto":
        options["texture_threshold"] = cfg.texture_threshold
    return INPAINTERS.create(cfg.engine, **options)
