"""Marks on shapes (line icons, rules), shapes under labels and shapes partly hidden: what a native shape would
hide is kept, and what hides a shape does not cut it."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from layerize.config import ObjectsConfig
from layerize.objects import segment
from layerize.primitives.color import hex_to_rgb
from layerize.scene import Box, Shape


def _inside(box: Box, target: tuple[int, int, int, int], slack: float = 2.0) -> bool:
    """Whether ``box`` holds ``target`` and reaches no further than ``slack`` px beyond it."""
    x0, y0, x1, y1 = target
    return (box.x0 <= x0 + 1.5 and box.y0 <= y0 + 1.5 and box.x1 >= x1 - 1.5 and box.y1 >= y1 - 1.5
            and box.x0 >= x0 - slack and box.y0 >= y0 - slack and box.x1 <= x1 + slack and box.y1 <= y1 + slack)


def _app_screen() -> tuple[np.ndarray, dict[str, tuple[int, int, int, int]]]:
    """A gradient header holding a menu icon (three 2 px white strokes), and a card that a 1 px rule cuts
    to its right edge, holding a ring icon drawn with a 2 px stroke; the marks' boxes by name."""
    page = Image.new("RGB", (800, 600), (52, 56, 64))
    header = np.zeros((130, 640, 3), np.uint8)
    header[:] = np.linspace((241, 110, 80), (236, 70, 90), 130)[:, None, :]  # a vertical gradient
    page.paste(Image.fromarray(header), (80, 40))
    draw = ImageDraw.Draw(page)
    for y in (90, 103, 116):
        draw.rectangle((104, y, 137, y + 1), fill=(255, 255, 255))
    draw.rectangle((80, 200, 719, 379), fill=(239, 241, 248))
    draw.rectangle((240, 300, 719, 300), fill=(200, 203, 212))
    draw.ellipse((600, 220, 640, 260), outline=(99, 103, 117), width=2)
    return np.asarray(page), {"menu": (104, 90, 138, 118), "rule": (240, 300, 720, 301),
                              "ring": (600, 220, 641, 261)}


def test_marks_on_shapes_are_kept_whole() -> None:
    """Strokes of 1-2 px on a shape become a node each mark (the menu's three strokes one), not pixels
    the native shape hides: the header's gradient and the card's paint are no marks."""
    image, marks = _app_screen()
    nodes = segment(image, np.zeros(image.shape[:2], bool), ObjectsConfig()).nodes
    big = [n for n in nodes if isinstance(n, Shape) and n.box.width >= 600]
    assert len(big) == 2, [(n.name, n.box) for n in nodes]
    small = [n for n in nodes if n.box.width < 600]
    for name, box in marks.items():
        holders = [n for n in small if _inside(n.box, box)]
        assert holders, (name, [(n.name, n.box) for n in small])
    assert len(small) == len(marks), [(n.name, n.box) for n in small]


def test_a_label_over_a_shapes_edge_leaves_it_one_polygon() -> None:
    """A label whose mask runs over the top edge of a block arrow's body opens the arrow's region there;
    the arrow is still one polygon of its whole outline."""
    page = Image.new("RGB", (900, 400), (255, 255, 255))
    draw = ImageDraw.Draw(page)
    arrow = [(100, 150), (500, 150), (500, 110), (600, 185), (500, 260), (500, 220), (100, 220)]
    draw.polygon(arrow, fill=(124, 166, 85))
    label = Image.new("L", (900, 400), 0)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf", 30)
    ImageDraw.Draw(label).text((150, 140), "$ git add new-text-", font=font, fill=255)  # over the top edge
    ImageDraw.Draw(label).text((220, 180), "file.txt", font=font, fill=255)
    text = cv2.dilate(np.asarray(label), np.ones((7, 7), np.uint8)) > 0  # a mask the glyphs' shape
    shapes = [n for n in segment(np.asarray(page), text, ObjectsConfig()).nodes if isinstance(n, Shape)]
    assert len(shapes) == 1 and shapes[0].shape == "polygon", [(s.shape, s.box) for s in shapes]
    assert _inside(shapes[0].box, (100, 110, 601, 261), slack=3), shapes[0].box


def test_a_panel_under_its_cards_and_an_arrow_is_one_rectangle() -> None:
    """An arrow's head reaches into a panel and touches the first of the cards on it: the panel is still a
    rectangle (under the cards and the arrow), not a notched polygon nor nothing."""
    page = Image.new("RGB", (1300, 740), (255, 255, 255))
    draw = ImageDraw.Draw(page)
    draw.rectangle((1039, 343, 1238, 631), fill=(70, 104, 197))
    for top in (402, 478, 545):
        draw.rounded_rectangle((1063, top, 1221, top + 56), radius=8, fill=(255, 252, 158))
    draw.polygon([(802, 430), (1045, 430), (1045, 424), (1062, 437), (1045, 450), (1045, 444), (802, 444)],
                 fill=(0, 188, 242))
    nodes = segment(np.asarray(page), np.zeros((740, 1300), bool), ObjectsConfig()).nodes
    panels = [n for n in nodes if isinstance(n, Shape) and n.fill == "#4668c5"]
    assert len(panels) == 1 and panels[0].shape == "rect", [(n.name, n.box) for n in nodes]
    assert _inside(panels[0].box, (1039, 343, 1239, 632)), panels[0].box
    assert nodes.index(panels[0]) < min(i for i, n in enumerate(nodes) if isinstance(n, Shape) and n is not panels[0])


def test_a_pale_arrow_under_a_long_label_is_one_polygon() -> None:
    """A light grey double arrow on white (25 levels apart) whose body a long label covers: one polygon of
    the whole arrow (what lies around it is no other colour than the page's, yet it stands out)."""
    page = Image.new("RGB", (1280, 720), (255, 255, 255))
    draw = ImageDraw.Draw(page)
    draw.polygon([(55, 404), (92, 367), (92, 385), (1163, 385), (1163, 367), (1200, 404), (1163, 441),
                  (1163, 423), (92, 423), (92, 441)], fill=(230, 230, 230))
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 20)
    draw.text((100, 402), "For beginners (Low Code / No Code)", font=font, fill=(40, 40, 40), anchor="lm")
    ink = np.asarray(page.convert("L")) < 200
    text = cv2.dilate(ink.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    plate = np.asarray(page).copy()
    plate[text & (np.asarray(page.convert("L")) < 250)] = 230  # the label inpainted
    shapes = [n for n in segment(plate, text, ObjectsConfig()).nodes if isinstance(n, Shape)]
    assert len(shapes) == 1 and shapes[0].shape == "polygon", [(s.shape, s.box) for s in shapes]
    assert _inside(shapes[0].box, (55, 367, 1201, 442), slack=3), shapes[0].box


def _behind_blob() -> np.ndarray:
    """On a brown page: a blue ellipse whose right part a soft, hatched green disc hides, and a flat
    crescent (the page bounds all of its outline)."""
    page = Image.new("RGB", (640, 400), (187, 108, 72))
    draw = ImageDraw.Draw(page)
    draw.ellipse((40, 60, 260, 200), fill=(0, 105, 244))
    draw.ellipse((430, 80, 570, 220), fill=(240, 200, 40))
    draw.ellipse((470, 60, 610, 200), fill=(187, 108, 72))
    image = np.asarray(page).astype(np.float32)
    yy, xx = np.mgrid[0:400, 0:640]
    hatch = np.where((xx + yy) % 8 < 4, 1.0, 0.8)[..., None] * np.array([110, 200, 120], np.float32)
    blob = np.clip((110 - np.hypot(xx - 300, yy - 150)) / 30, 0, 1)[..., None]  # a soft edge 30 px wide
    return (image * (1 - blob) + hatch * blob).round().astype(np.uint8)


def test_an_ellipse_partly_hidden_by_a_soft_blob_is_one_whole_ellipse() -> None:
    """The page bounds the left part of its outline: that edge gives the ellipse, under the blob too."""
    image = _behind_blob()
    nodes = segment(image, np.zeros(image.shape[:2], bool), ObjectsConfig()).nodes
    ellipses = [n for n in nodes if isinstance(n, Shape) and n.shape == "ellipse" and n.box.x0 < 100]
    assert len(ellipses) == 1, [(n.name, n.box) for n in nodes]
    box = ellipses[0].box
    assert (box.x0, box.y0, box.x1, box.y1) == pytest.approx((40, 60, 261, 201), abs=3)
    assert np.abs(np.subtract(hex_to_rgb(ellipses[0].fill), (0, 105, 244))).max() <= 8
    assert not [n for n in nodes if isinstance(n, Shape) and n.shape == "ellipse" and n.box.x0 > 400], \
        "a crescent the page bounds all round is no hidden ellipse"
