"""The ``lama`` inpainter: a LaMa model from an ONNX file the user supplies (no wheel ships its weights)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..config import InpaintConfig
from ..errors import EngineError
from .windows import fill_windows, resize

MARGIN = 64
"""Context (px) around each hole group: LaMa draws structure from a wide surround."""


class LamaInpainter:
    """LaMa from an ONNX file: inputs ``image`` [1,3,H,W] in 0..1 and ``mask`` [1,1,H,W] (1 = hole).

    A model with a static input size gets each window resized to that size (the
    windows are grown to it first where the image allows); a dynamic one gets the
    window padded to a multiple of 8. The output may be in 0..1 or 0..255.
    """

    name = "lama"

    def __init__(self, cfg: InpaintConfig | None = None) -> None:
        weights = (cfg or InpaintConfig()).lama_weights
        if not weights:
            raise EngineError("inpainter 'lama' needs the path of a LaMa ONNX model (inpaint.lama_weights "
                              "in the config)")
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
        self.margin = MARGIN

    def fill(self, image: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return fill_windows(image, mask, self.margin, self.fill_crop, self.size or (0, 0))

    def fill_crop(self, crop: np.ndarray, crop_mask: np.ndarray) -> np.ndarray:
        """``crop`` with all its holes filled in one run of the model."""
        h, w = crop_mask.shape
        if self.size is not None:
            size = self.size
            image = resize(crop.astype(np.float32), size)
            # any coverage counts as a hole, so thin strokes survive shrinking
            hole = resize(crop_mask.astype(np.float32), size) > 0
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
        out = out[:h, :w] if self.size is None else resize(out, (h, w))
        return np.clip(np.rint(out), 0, 255).astype(np.uint8)

