"""Dashed lines and frames: rows of evenly spaced dashes become one dashed shape, other rows of marks do not."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from layerize.config import ObjectsConfig
from layerize.objects import segment
from layerize.scene import Shape

GREY = (115, 115, 115)


def _dashes(draw: ImageDraw.ImageDraw, start: tuple[int, int], end: tuple[int, int], width: int,
            dash: int, gap: int, fill: tuple[int, int, int]) -> None:
    """Draw a horizontal or vertical dashed line from ``start`` to ``end`` (pixel edges)."""
    (x0, y0), (x1, y1) = start, end
    horizontal = y0 == y1
    span = (x1 - x0) if horizontal else (y1 - y0)
    for at in range(0, span, dash + gap):
        a, b = at, min(at + dash, span)
        if horizontal:
            draw.rectangle((x0 + a, y0, x0 + b - 1, y0 + width - 1), fill=fill)
        else:
            draw.rectangle((x0, y0 + a, x0 + width - 1, y0 + b - 1), fill=fill)


def _diagram() -> np.ndarray:
    """On white: a dashed frame (3 px, 9 on 3 off) whose top a blue card cuts, a dashed divider (2 px,
    12 on 6 off) under it, a row of five round bullets, a striped swatch, a white rule between two bars that
    gridlines break every 30 px, and a gridline showing in 2 px pieces 17 px apart."""
    page = Image.new("RGB", (900, 600), (255, 255, 255))
    draw = ImageDraw.Draw(page)
    for start, end in (((40, 60), (860, 60)), ((40, 400), (860, 400))):
        _dashes(draw, start, end, 3, 9, 3, GREY)
    for start, end in (((40, 60), (40, 403)), ((857, 60), (857, 403))):
        _dashes(draw, start, end, 3, 9, 3, GREY)
    draw.rounded_rectangle((600, 40, 760, 90), radius=8, fill=(40, 90, 200))  # over the frame's top
    _dashes(draw, (60, 470), (600, 470), 2, 12, 6, (200, 60, 60))
    for k in range(5):
        draw.ellipse((100 + 22 * k, 520, 110 + 22 * k, 530), fill=(60, 60, 60))
    for k in range(12):  # stripes: evenly spaced bars, but on no plain backdrop of their own
        draw.rectangle((650, 450 + 8 * k, 850, 453 + 8 * k), fill=(30, 120, 60))
    draw.rectangle((250, 545, 600, 595), fill=(103, 81, 147))  # two bars parted by a white rule
    draw.rectangle((250, 566, 600, 567), fill=(255, 255, 255))
    for x in range(265, 600, 30):  # gridlines crossing the rule: 1 px breaks in it
        draw.line((x, 545, x, 595), fill=(190, 180, 210))
    for y in range(150, 390, 17):  # a gridline showing in 2 px pieces between bars
        draw.line((620, y, 620, y + 1), fill=(200, 200, 200))
    return np.asarray(page)


@pytest.fixture(scope="module")
def nodes() -> list:
    image = _diagram()
    return segment(image, np.zeros(image.shape[:2], bool), ObjectsConfig()).nodes


def test_a_dashed_frame_is_one_unfilled_rect_with_a_dashed_stroke(nodes: list) -> None:
    frames = [n for n in nodes if isinstance(n, Shape) and n.shape == "rect" and n.dash]
    assert len(frames) == 1, [(n.name, n.shape, n.box, n.dash) for n in nodes]
    frame = frames[0]
    assert frame.fill is None and frame.gradient is None and frame.stroke == "#737373"
    assert frame.stroke_width == pytest.approx(3, abs=0.5)
    assert frame.dash == pytest.approx((9, 3), abs=1)
    outer = (frame.box.x0 - 1.5, frame.box.y0 - 1.5, frame.box.x1 + 1.5, frame.box.y1 + 1.5)
    assert outer == pytest.approx((40, 60, 860, 403), abs=1.5)


def test_a_dashed_divider_is_one_dashed_line(nodes: list) -> None:
    lines = [n for n in nodes if isinstance(n, Shape) and n.shape == "line" and n.dash]
    assert len(lines) == 1, [(n.name, n.box, n.dash) for n in lines]
    line = lines[0]
    assert line.stroke == "#c83c3c" and line.stroke_width == pytest.approx(2, abs=0.5)
    assert line.dash == pytest.approx((12, 6), abs=1)
    assert (line.box.x0, line.box.x1) == pytest.approx((60, 600), abs=7)  # the last dash may end short


def test_bullets_stripes_broken_rules_and_sparse_pieces_are_no_dashed_lines(nodes: list) -> None:
    dashed = [n for n in nodes if isinstance(n, Shape) and n.dash]
    assert sorted(n.shape for n in dashed) == ["line", "rect"], [(n.name, n.box) for n in dashed]
    assert any(n.box.x0 >= 640 and n.box.y0 >= 440 for n in nodes)  # the swatch is still found, undashed


def test_the_dashes_leave_the_plate() -> None:
    image = _diagram()
    mask = segment(image, np.zeros(image.shape[:2], bool), ObjectsConfig()).plate_mask
    grey = (np.abs(image.astype(int) - GREY).max(axis=2) <= 8)
    assert mask[grey].mean() > 0.99
