"""The pipeline: image → OCR → measured text blocks → erased plate → scene graph."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from PIL import Image

from . import __name__ as _package
from .analyze import (
    build_block,
    group_lines,
    join_columns,
    measure_line,
    name_blocks,
    refine_block,
    text_fidelity,
    text_mask,
)
from .config import Config, load_config
from .effects import effects_mask, measure_effects
from .files import read_image
from .fonts import catalogue
from .inpaint import dilate, fill_coarse, inpainter_from_config
from .ocr import OCR_ENGINES, OcrEngine
from .scene import Background, Canvas, Provenance, Scene, Source
from .segment import ObjectHint, segment

log = logging.getLogger(_package)


@lru_cache(maxsize=4)
def _ocr_engine(name: str, max_side: int) -> OcrEngine:
    """OCR engines are slow to load: keep the last few for later calls."""
    return OCR_ENGINES.create(name, max_side=max_side)


def analyze(path: Path | str, config: str | Path | Config | None = None,
            objects: Sequence[ObjectHint] = ()) -> Scene:
    """Reconstruct the design in the image at ``path`` as a :class:`Scene`.

    ``objects`` are boxes the user wants as objects, found or not.
    """
    cfg = load_config(config)
    timings: dict[str, float] = {}
    start = time.perf_counter()
    image, sha = read_image(path, max_pixels=cfg.limits.max_pixels)
    timings["read"] = time.perf_counter() - start

    mark = time.perf_counter()
    ocr = _ocr_engine(cfg.ocr.engine, cfg.ocr.max_side)
    ocr_lines = join_columns([line for line in ocr.read(image) if line.score >= cfg.ocr.min_confidence])
    timings["ocr"] = time.perf_counter() - mark

    mark = time.perf_counter()
    fonts = catalogue(tuple(cfg.text.font_dirs))
    fallback = fonts.resolve(cfg.text.fallback_font)
    families = cfg.text.candidate_fonts if cfg.text.match_fonts else [cfg.text.fallback_font]
    faces = [face for family in families for weight in (400, 700)
             if (face := fonts.find(family, weight)) is not None]
    faces = list(dict.fromkeys(faces)) or [fallback]
    measured = [m for line in ocr_lines if (m := measure_line(image, line, faces, fallback, ocr.read)) is not None]
    groups = group_lines(measured, paragraphs=cfg.text.group_paragraphs)
    blocks = [measure_effects(refine_block(build_block(i + 1, group, image.shape[1], ocr.name, fonts), group, image),
                              image) for i, group in enumerate(groups)]
    name_blocks(blocks)
    timings["text"] = time.perf_counter() - mark

    mark = time.perf_counter()
    mask = text_mask(image.shape[:2], measured) | effects_mask(image.shape[:2], blocks)
    mask = dilate(mask, cfg.inpaint.mask_dilation, disc=True)
    inpainter = inpainter_from_config(cfg.inpaint)
    plate = inpainter.fill(image, mask) if mask.any() else image.copy()
    timings["inpaint"] = time.perf_counter() - mark

    # objects are cut from the text-free plate, so text over them is only the live text
    mark = time.perf_counter()
    found = segment(plate, mask, cfg.objects, objects)
    if found.plate_mask.any():
        plate = fill_coarse(inpainter, plate, found.plate_mask)
    mask = mask | found.plate_mask
    timings["objects"] = time.perf_counter() - mark
    log.info("analysed %s: %d text blocks, %d other nodes in %.2f s (%s)", path, len(blocks), len(found.nodes),
             time.perf_counter() - start, ", ".join(f"{stage} {seconds:.2f} s" for stage, seconds in timings.items()))

    return Scene(
        canvas=Canvas(width=image.shape[1], height=image.shape[0]),
        source=Source(path=Path(path).name, sha256=sha),
        original=Image.fromarray(image, "RGB"),
        background=Background(
            image=Image.fromarray(plate, "RGB"),
            provenance=Provenance(engine=inpainter.name, confidence=1.0),
        ),
        nodes=[*found.nodes, *blocks],
        metadata={"config": cfg.name, "ocr_engine": ocr.name, "masked_fraction": round(float(mask.mean()), 5),
                  "text_fidelity": text_fidelity(blocks)},
    )
