"""Lines cut into pieces by what lies on them come back as one line, under what cuts it; dashes and
parallel rules stay apart."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from layerize.config import ObjectsConfig
from layerize.objects import segment
from layerize.primitives.color import hex_to_rgb
from layerize.scene import Shape

PAGE, RULE, DOT = (20, 33, 28), (184, 209, 198), (249, 96, 87)


def _timeline() -> np.ndarray:
    """A 6 px rule from y 60 to 560 behind four dots, and a dashed rule and two close parallel rules beside
    (crisp edges: the joining is tested here, not anti-aliasing)."""
    page = Image.new("RGB", (400, 620), PAGE)
    draw = ImageDraw.Draw(page)
    draw.rectangle((97, 60, 102, 559), fill=RULE)
    for cy in (60, 220, 380, 540):
        draw.ellipse((65, cy - 35, 135, cy + 35), fill=DOT)
    for y0 in range(80, 560, 60):  # dashes: page between them, nothing on top
        draw.rectangle((250, y0, 253, y0 + 29), fill=RULE)
    for x in (320, 330):  # two parallel rules, 6 px apart, the same colour
        draw.rectangle((x, 80, x + 3, 559), fill=RULE)
    return np.asarray(page)


def test_a_rule_behind_dots_is_one_line_under_them() -> None:
    result = segment(_timeline(), np.zeros((620, 400), bool), ObjectsConfig())
    shapes = [n for n in result.nodes if isinstance(n, Shape)]
    rules = [s for s in shapes if s.shape == "line" and s.box.x1 < 200]
    assert len(rules) == 1, [(s.shape, s.box) for s in shapes if s.box.x1 < 200]
    (rule,) = rules
    assert rule.box.y0 <= 100 and rule.box.y1 >= 500, rule.box  # from the first dot to the last
    assert abs(rule.stroke_width - 6) <= 1 and np.abs(np.subtract(hex_to_rgb(rule.stroke), RULE)).max() <= 8
    dots = [i for i, s in enumerate(shapes) if s.shape == "ellipse"]
    assert len(dots) == 4 and shapes.index(rule) < min(dots), "the rule is drawn under the dots"


def test_dashes_and_parallel_rules_stay_apart() -> None:
    result = segment(_timeline(), np.zeros((620, 400), bool), ObjectsConfig())
    lines = [n for n in result.nodes if isinstance(n, Shape) and n.shape == "line"]
    assert len([s for s in lines if 240 < s.box.x0 < 260]) == 8  # eight dashes
    assert len([s for s in lines if s.box.x0 > 300]) == 2  # two rules
