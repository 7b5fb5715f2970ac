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

import numpy as np
from PIL import Image

from .config import Config, OcrConfig, load_config
from .inpaint import Inpainter, fill_coarse
from .objects import ObjectHint, Segmenter, beside_nodes, faithful, matted, segment
from .primitives.masks import dilate
from .reading import read_image
from .registry import INPAINTERS, OCR_ENGINES
from .scene import Background, Canvas, ImageObject, Provenance, Scene, Source
from .text import OcrEngine, analyse_text, text_fidelity
from .timing import collect, stage

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
    with stage("read"):
        image, sha = read_image(path, cfg.limits)
    return analyze_image(image, Source(path=Path(path).name, sha256=sha), cfg, objects, ocr=ocr,
                         inpainter=inpainter, segmenters=segmenters)


def analyze_image(image: np.ndarray, source: Source, config: str | Path | Config | None = None,
                  objects: Sequence[ObjectHint] = (), *, ocr: str | OcrEngine | None = None,
                  inpainter: str | Inpainter | None = None,
                  segmenters: Sequence[str | Segmenter] | None = None) -> Scene:
    """:func:`analyze` for pixels already read (:func:`~layerize.reading.read_image`): HxWx3 uint8 RGB."""
    cfg = load_config(config)
    start = time.perf_counter()
    with collect() as timings:
        with stage("ocr"):
            ocr = ocr or cfg.ocr.engine
            with stage("ocr.load"):
                engine = _ocr_engine(ocr, cfg.ocr.model_dump_json()) if isinstance(ocr, str) else ocr
            lines = engine.read(image)
        with stage("text"):
            text = analyse_text(image, lines, engine, cfg)
        with stage("inpaint"):
            mask = dilate(text.mask, cfg.inpaint.mask_dilation, disc=True)
            filler = INPAINTERS.create(inpainter or cfg.inpaint.engine, cfg.inpaint)
            plate = filler.fill(image, mask) if mask.any() else image.copy()
        # objects are cut from the text-free plate, so text over them is only the live text
        with stage("objects"):
            found = segment(plate, mask, cfg.objects, objects, segmenters)
            erased = found.plate_mask
            if erased.any():
                with stage("objects.plate"):
                    filled = fill_coarse(filler, plate, erased)
                    found = faithful(found, plate, filled)
                    erased = found.plate_mask
                    erased &= ~beside_nodes(plate, filled, found.area, erased)
                    plate = np.where(erased[..., None], filled, plate)
            mask = mask | erased
            nodes = [matted(n, image, plate) if isinstance(n, ImageObject) else n for n in found.nodes]
    log.info("analysed %s: %d text blocks, %d other nodes in %.2f s (%s)", source.path, len(text.blocks),
             len(nodes), time.perf_counter() - start,
             ", ".join(f"{name} {seconds:.2f} s" for name, seconds in timings.items() if "." not in name))

    return Scene(
        canvas=Canvas(width=image.shape[1], height=image.shape[0]),
        source=source,
        original=Image.fromarray(image, "RGB"),
        background=Background(
            image=Image.fromarray(plate, "RGB"),
            provenance=Provenance(engine=filler.name, confidence=1.0),
        ),
        nodes=[*nodes, *text.blocks],
        metadata={"config": cfg.name, "ocr_engine": engine.name, "masked_fraction": round(float(mask.mean()), 5),
                  "text_fidelity": text_fidelity(text.blocks)},
    )
