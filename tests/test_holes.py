"""Flat shapes the page shows through: one path with open holes (a mug's handle, a star cut out of a
badge), no page-coloured patch on top; a page-coloured label placed on a card stays a shape of its own."""

from __future__ import annotations

import cv2
import designs
import numpy as np
import pytest
from PIL import Image, ImageDraw

from layerize.config import ObjectsConfig
from layerize.objects import segment
from layerize.primitives.color import hex_to_rgb
from layerize.primitives.paths import coverage, depths
from layerize.scene import Shape

PAGE = (248, 247, 242)


@pytest.fixture(scope="module")
def shapes() -> list[Shape]:
    image = np.asarray(designs.icons().image)
    text = np.zeros(image.shape[:2], bool)
    text[340:400, 100:360] = True  # the caption, as the text stage masks it
    return [n for n in segment(image, text, ObjectsConfig()).nodes if isinstance(n, Shape)]


def _inside(shapes: list[Shape], box: tuple[float, float, float, float]) -> list[Shape]:
    x0, y0, x1, y1 = box
    return [s for s in shapes
            if s.box.x0 >= x0 - 2 and s.box.y0 >= y0 - 2 and s.box.x1 <= x1 + 2 and s.box.y1 <= y1 + 2]


def _page_coloured(shape: Shape) -> bool:
    return shape.fill is not None and np.abs(np.subtract(hex_to_rgb(shape.fill), PAGE)).max() <= 12


@pytest.mark.parametrize("index", [0, 2])  # the mug, the badge
def test_a_shape_with_the_page_showing_through_is_one_path_with_holes(shapes: list[Shape], index: int) -> None:
    truth = designs.icons().shapes[index]
    found = _inside(shapes, truth.box)
    assert not [s for s in found if _page_coloured(s)], "no page-coloured patch over the hole"
    (path,) = [s for s in found if s.shape == "path"]
    assert np.abs(np.subtract(hex_to_rgb(path.fill), truth.color)).max() <= 8
    assert max(depths(path.subpaths)) == 1, "an outline and a hole in it"
    x0, y0, x1, y1 = truth.box
    assert (path.box.x0, path.box.y0, path.box.x1, path.box.y1) == pytest.approx((x0, y0, x1, y1), abs=2)


def test_the_holes_are_open_where_the_page_shows(shapes: list[Shape]) -> None:
    image = np.asarray(designs.icons().image)
    for index in (0, 2):
        (path,) = [s for s in _inside(shapes, designs.icons().shapes[index].box) if s.shape == "path"]
        drawn = coverage(path.subpaths, image.shape[:2]) > 0.5
        core = np.ones((3, 3), np.uint8)  # a pixel away from the anti-aliased edges
        paint = cv2.erode((np.abs(image.astype(int) - hex_to_rgb(path.fill)).max(axis=2) <= 24).astype(np.uint8), core)
        page = cv2.erode((np.abs(image.astype(int) - PAGE).max(axis=2) <= 12).astype(np.uint8), core)
        window = (slice(int(path.box.y0), int(path.box.y1)), slice(int(path.box.x0), int(path.box.x1)))
        assert (drawn & (page > 0))[window].sum() <= 0.01 * page[window].sum()  # the handle's hole, the star: open
        assert ((paint > 0) & ~drawn)[window].sum() <= 0.01 * paint[window].sum()


def test_the_dot_in_the_star_lies_on_top(shapes: list[Shape]) -> None:
    badge = designs.icons().shapes[2]
    found = _inside(shapes, badge.box)
    (path,) = [s for s in found if s.shape == "path"]
    dots = [s for s in found if s.shape == "ellipse" and s.box.width < 30]
    assert len(dots) == 1 and shapes.index(dots[0]) > shapes.index(path)


def test_a_page_coloured_label_on_a_card_stays_a_shape() -> None:
    page = Image.new("RGB", (800, 500), (255, 255, 255))
    draw = ImageDraw.Draw(page)
    draw.rounded_rectangle((40, 40, 360, 260), radius=20, fill=(30, 90, 200))
    draw.rounded_rectangle((120, 120, 280, 180), radius=12, fill=(255, 255, 255))
    result = segment(np.asarray(page), np.zeros((500, 800), bool), ObjectsConfig())
    kinds = sorted(n.shape for n in result.nodes if isinstance(n, Shape))
    assert kinds == ["rect", "rect"] and "path" not in kinds
