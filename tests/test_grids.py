"""A chart's grid: the cells its rules cut from the page and from a band under them are no shapes, while a
bordered card on the page and bars parted by the page stay shapes."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from layerize.config import ObjectsConfig
from layerize.objects import segment
from layerize.scene import Shape

PAGE, BAND, RULE = (255, 255, 255), (221, 221, 221), (200, 200, 200)
CARD = (380, 40, 600, 150)
BARS = [((x, 360 - h, x + 60, 360 - h // 2 - 1), (x, 360 - h // 2 + 1, x + 60, 360))
        for x, h in ((390, 120), (460, 90), (530, 150))]


def _chart() -> np.ndarray:
    """A grid of 1 px rules over a grey band, a card with a border beside it, stacked bars below the card."""
    image = Image.new("RGB", (640, 400), PAGE)
    draw = ImageDraw.Draw(image)
    draw.polygon([(40, 300), (40, 220), (200, 150), (320, 90), (320, 300)], fill=BAND)
    for x in range(40, 330, 40):
        draw.line([(x, 20), (x, 300)], fill=RULE)
    for y in range(20, 301, 40):
        draw.line([(40, y), (320, y)], fill=RULE)
    draw.rectangle(CARD, fill=PAGE, outline=(190, 190, 190))
    for upper, lower in BARS:
        draw.rectangle(upper, fill=(238, 178, 64))
        draw.rectangle(lower, fill=(31, 119, 180))
    return np.asarray(image)


def test_grid_cells_are_no_shapes_but_cards_and_bars_are():
    image = _chart()
    shapes = [n for n in segment(image, np.zeros(image.shape[:2], bool), ObjectsConfig(trace=False)).nodes
              if isinstance(n, Shape)]
    in_grid = [s for s in shapes if s.box.x1 <= 330]
    # before: 21 page cells with the rules as their borders and 25 band cells, each a rectangle
    assert not [s for s in in_grid if s.fill == "#ffffff"]
    assert len([s for s in in_grid if s.fill == "#dddddd"]) <= 1
    card = [s for s in shapes if abs(s.box.x0 - CARD[0]) <= 2 and abs(s.box.x1 - CARD[2]) <= 2]
    assert len(card) == 1 and card[0].stroke is not None
    bars = [s for s in shapes if s.box.y0 >= 200 and s.box.x0 >= 380]
    assert len(bars) == 6 and all(s.shape == "rect" for s in bars)
