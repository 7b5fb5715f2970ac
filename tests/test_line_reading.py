"""Lines OCR reads poorly: a reading it was unsure of."""

from __future__ import annotations

import designs
import numpy as np

from layerize.config import load_config
from layerize.fonts import catalogue
from layerize.text.lines import REREAD_BELOW, measure_line
from layerize.text.ocr import OcrLine, RapidOcrEngine


def test_a_reading_ocr_was_unsure_of_is_read_again_from_the_line_alone():
    design = designs.Design(np.full((80, 700, 3), 250, np.uint8))
    from PIL import Image

    design.image = Image.fromarray(design.image)
    truth = designs.TruthText(["packages and package repos so that you have"], "DejaVuSans.ttf", 28,
                              (20, 20, 30), "left", 20, 50, 34)
    design.draw_text(truth)
    x0, y0, x1, y1 = truth.bbox
    quad = ((x0 - 6.0, y0 - 6.0), (x1 + 6.0, y0 - 6.0), (x1 + 6.0, y1 + 6.0), (x0 - 6.0, y1 + 6.0))
    garbled = OcrLine("a      s s d e set", quad, REREAD_BELOW - 0.15)  # what OCR gave for such a line
    cfg = load_config(None)
    fonts = catalogue(tuple(cfg.text.font_dirs))
    faces = [f for family in ("DejaVu Sans", "Liberation Sans") if (f := fonts.find(family, 400))]
    fallback = fonts.resolve(cfg.text.fallback_font)
    image = np.asarray(design.image)
    engine = RapidOcrEngine(cfg.ocr)
    measured = measure_line(image, garbled, faces, fallback, engine)
    assert measured is not None and measured.text == truth.text
    assert measured.ocr.score > garbled.score
    sure = OcrLine(garbled.text, quad, REREAD_BELOW + 0.05)  # a reading OCR was sure of stands
    assert measure_line(image, sure, faces, fallback, engine).text == garbled.text
