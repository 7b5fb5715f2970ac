"""Faint text boxes: lines the detector is less sure of are read where no surer line lies."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from rapidocr.ch_ppocr_det.utils import DBPostProcess

from layerize.config import OcrConfig
from layerize.text.ocr import OcrLine, RapidOcrEngine, _WithFaintBoxes


def _boxes(boxes: np.ndarray) -> list[tuple[int, int, int, int]]:
    return sorted((int(b[:, 0].min()), int(b[:, 1].min()), int(b[:, 0].max()), int(b[:, 1].max())) for b in boxes)


def test_faint_boxes_join_the_sure_ones_where_they_overlap_none() -> None:
    """On a probability map with a sure blob (0.9), a faint one alone (0.4) and a faint halo beside the sure
    blob: the sure box and the lone faint box, and no second box over the sure one."""
    pred = np.zeros((1, 1, 200, 400), np.float32)
    pred[0, 0, 40:60, 40:160] = 0.9
    pred[0, 0, 120:140, 220:300] = 0.4
    pred[0, 0, 36:64, 150:175] = 0.4  # a faint fringe running into the sure blob
    usual = DBPostProcess(thresh=0.3, box_thresh=0.5, unclip_ratio=1.6, use_dilation=True)
    alone, _ = usual(pred, (200, 400))
    both, scores = _WithFaintBoxes(usual)(pred, (200, 400))
    assert len(alone) == 1 and len(both) == 2 and len(scores) == 2
    assert _boxes(both)[0] == _boxes(alone)[0]
    x0, y0, x1, y1 = _boxes(both)[1]
    assert 205 <= x0 <= 220 and 105 <= y0 <= 120 and 300 <= x1 <= 315 and 140 <= y1 <= 155, (x0, y0, x1, y1)


def _command_arrow() -> np.ndarray:
    """A teal block arrow with a white monospace command in it, across two columns of a slide about git."""
    image = Image.new("RGB", (1281, 720), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.rectangle((485, 190, 774, 679), fill=(238, 216, 159))
    draw.rectangle((858, 190, 1146, 679), fill=(238, 173, 159))
    draw.polygon([(624, 515), (971, 515), (971, 487), (1027, 541), (971, 596), (971, 568), (624, 568)],
                 fill=(68, 149, 162), outline=(29, 65, 71))
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf", 24)
    draw.text((703, 516), "$ git commit \u2013m", font=font, fill=(255, 255, 255))
    draw.text((747, 545), "\u201cMessage\u201d", font=font, fill=(255, 255, 255))
    return np.asarray(image)


def test_a_faint_command_is_read() -> None:
    """The detector is unsure of the white command on the teal arrow: without faint lines it reads none of
    it, with them it reads "git"."""
    image = _command_arrow()
    assert "git" not in " ".join(line.text for line in RapidOcrEngine(OcrConfig(faint_lines=False)).read(image))
    assert "git" in " ".join(line.text for line in RapidOcrEngine(OcrConfig()).read(image))


def _quad(x0: float, y0: float, x1: float, y1: float) -> tuple[tuple[float, float], ...]:
    return ((x0, y0), (x1, y0), (x1, y1), (x0, y1))


def test_an_unsure_line_in_a_faint_box_is_recognised_again_alone() -> None:
    """A lone white digit in a chart cell, read at 0.74 among the detector's crops: recognised again from
    its box alone it reads surely and is kept; a faint box over the bare cell stays out."""
    image = Image.new("RGB", (160, 120), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 30, 120, 90), fill=(78, 121, 167))
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 11)
    draw.text((80, 60), "4", font=font, fill=(255, 255, 255), anchor="mm")
    pixels, engine = np.asarray(image), RapidOcrEngine(OcrConfig())
    found = engine._surely(OcrLine("4", _quad(73, 52, 87, 67), 0.74), pixels)
    assert found is not None and found.text == "4" and found.score >= 0.9 and found.box == (73, 52, 87, 67)
    assert engine._surely(OcrLine("4", _quad(48, 34, 62, 49), 0.74), pixels) is None
