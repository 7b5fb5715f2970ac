"""The pipeline: image → text analysis → erased plate → objects and shapes → scene graph.

Each stage is a package of its own, in the order they run: :mod:`.reading`,
:mod:`.text`, :mod:`.inpaint`, :mod:`.objects`; their result is a
:class:`~layerize.scene.Scene`, which :mod:`.export` writes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from PIL import Image

from .config import Config, OcrConfig, load_config
from .inpaint import Inpainter, fill_coarse
from .objects import ObjectHint, Segmenter, segment
from .primitives.masks import dilate
from .reading import read_image
from .registry import INPAINTERS, OCR_ENGINES
from .scene import Background, Canvas, Provenance, Scene, Source
from .text import OcrEngine, analyse_text, text_fidelity

log = logging.getLogger("layerize")


@lru_cache(maxsize=4)
def _ocr_engine(name: str, cfg_json: str) -> OcrEngine:
    """OCR engines are slow to load: keep the last few for later calls."""
    return OCR_ENGINES.create(name, OcrConfig.model_validate_json(cfg_json))


def analyze(path: Path | str, config: str | Path | Config | None = None, objects: Sequence[ObjectHint] = (), *,
            ocr: str | OcrEngine | None = None, inpainter: str | Inpainter | None = None,
            segmenters: Sequence[str | Segmenter] | None = None) -> Scene:
    """Reconstruct the design in the image at ``path`` as a :class:`Scene`.

    ``objects`` are boxes the user wants as objects, found or not. ``ocr``,
    ``inpainter`` and ``segmenters`` replace the config's engines: each a
    registered name or an engine instance.
    """
    cfg = load_config(config)
    timings: dict[str, float] = {}
    start = time.perf_counter()
    image, sha = read_image(path, cfg.limits)
    timings["read"] = time.perf_counter() - start

    mark = time.perf_counter()
    ocr = ocr or cfg.ocr.engine
    engine = _ocr_engine(ocr, cfg.ocr.model_dump_json()) if isinstance(ocr, str) else ocr
    lines = engine.read(image)
    timings["ocr"] = time.perf_counter() - mark

    mark = time.perf_counter()
    text = analyse_text(image, lines, engine, cfg)
    timings["text"] = time.perf_counter() - mark

    mark = time.perf_counter()
    mask = dilate(text.mask, cfg.inpaint.mask_dilation, disc=True)
    filler = INPAINTERS.create(inpainter or cfg.inpaint.engine, cfg.inpaint)
    plate = filler.fill(image, mask) if mask.any() else image.copy()
    timings["inpaint"] = time.perf_counter() - mark

    # objects are cut from the text-free plate, so text over them is only the live text
    mark = time.perf_counter()
    found = segment(plate, mask, cfg.objects, objects, segmenters)
    if found.plate_mask.any():
        plate = fill_coarse(filler, plate, found.plate_mask)
    mask = mask | found.plate_mask
    timings["objects"] = time.perf_counter() - mark
    log.info("analysed %s: %d text blocks, %d other nodes in %.2f s (%s)", path, len(text.blocks), len(found.nodes),
             time.perf_counter() - start, ", ".join(f"{stage} {seconds:.2f} s" for stage, seconds in timings.items()))

    return Scene(
        canvas=Canvas(width=image.shape[1], height=image.shape[0]),
        source=Source(path=Path(path).name, sha256=sha),
        original=Image.fromarray(image, "RGB"),
        background=Background(
            image=Image.fromarray(plate, "RGB"),
            provenance=Provenance(engine=filler.name, confidence=1.0),
        ),
        nodes=[*found.nodes, *text.blocks],
        metadata={"config": cfg.name, "ocr_engine": engine.name, "masked_fraction": round(float(mask.mean()), 5),
                  "text_fidelity": text_fidelity(text.blocks)},
    )
