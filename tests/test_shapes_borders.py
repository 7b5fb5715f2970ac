"""Shapes as designers draw them: a bordered shape is one stroked shape, no shape is found twice, and
lines down to 1 px keep their width and colour, in the scene and in every export."""

from __future__ import annotations

from pathlib import Path

import cv2
import designs
import numpy as np
import pytest
from lxml import etree
from PIL import Image, ImageDraw
from pptx import Presentation
from psd_tools import PSDImage

from layerize import export
from layerize.config import ObjectsConfig
from layerize.objects import segment
from layerize.objects.borders import delta_e, doubled
from layerize.objects.flat import FlatSegmenter
from layerize.pipeline import analyze
from layerize.primitives.color import rgb_to_hex
from layerize.scene import Box, Scene, Shape

SVG = "{http://www.w3.org/2000/svg}"


def _iou(a: Box, b: tuple[float, float, float, float]) -> float:
    ix = max(0.0, min(a.x1, b[2]) - max(a.x0, b[0]))
    iy = max(0.0, min(a.y1, b[3]) - max(a.y0, b[1]))
    return ix * iy / (a.width * a.height + (b[2] - b[0]) * (b[3] - b[1]) - ix * iy)


def _outer(shape: Shape) -> tuple[float, float, float, float]:
    """The box of what ``shape`` paints: its box grown by half its (centred) stroke."""
    half = shape.stroke_width / 2 if shape.stroke else 0.0
    return shape.box.x0 - half, shape.box.y0 - half, shape.box.x1 + half, shape.box.y1 + half


@pytest.fixture(scope="module")
def design() -> designs.Design:
    return designs.shapes_with_borders()


@pytest.fixture(scope="module")
def shapes(design: designs.Design) -> list[Shape]:
    image = np.asarray(design.image)
    ink = (image != np.asarray(design.clean)).any(axis=2).astype(np.uint8)
    text = cv2.dilate(ink, np.ones((5, 5), np.uint8)) > 0  # as the pipeline grows the text mask
    return [n for n in segment(image, text, ObjectsConfig()).nodes if isinstance(n, Shape)]


@pytest.fixture(scope="module")
def scene(design: designs.Design, tmp_path_factory: pytest.TempPathFactory) -> Scene:
    path = tmp_path_factory.mktemp("borders") / "borders.png"
    design.image.save(path)
    return analyze(path)


def _match(shapes: list[Shape], truth: designs.TruthShape) -> Shape:
    return max(shapes, key=lambda s: _iou(Box(x0=_outer(s)[0], y0=_outer(s)[1], x1=_outer(s)[2], y1=_outer(s)[3]),
                                          truth.box))


@pytest.mark.parametrize("index, kind", [(0, "rect"), (1, "ellipse")])
def test_bordered_shape_is_one_stroked_shape(shapes: list[Shape], design: designs.Design, index: int,
                                             kind: str) -> None:
    truth = design.shapes[index]
    shape = _match(shapes, truth)
    outer = _outer(shape)
    assert shape.shape == kind
    assert _iou(Box(x0=outer[0], y0=outer[1], x1=outer[2], y1=outer[3]), truth.box) >= 0.95
    assert delta_e(shape.fill, rgb_to_hex(truth.color)) <= 5
    assert shape.stroke and delta_e(shape.stroke, rgb_to_hex(truth.stroke)) <= 5
    assert abs(shape.stroke_width - truth.stroke_width) <= 1
    if truth.kind == "rounded":
        assert abs(shape.corner_radius + shape.stroke_width / 2 - truth.radius) <= 0.2 * truth.radius
    inside = [s for s in shapes if s is not shape and _iou(s.box, outer) > 0.05]
    assert not inside  # neither the ring nor pieces of it are shapes of their own


@pytest.mark.parametrize("index", [2, 3, 4])
def test_lines_keep_width_and_colour(shapes: list[Shape], design: designs.Design, index: int) -> None:
    truth = design.shapes[index]
    lines = [s for s in shapes if s.shape == "line"]
    line = max(lines, key=lambda s: _iou(s.box, truth.box))
    assert abs(line.stroke_width - truth.width) <= 1
    assert delta_e(line.stroke, rgb_to_hex(truth.color)) <= 5
    (x0, y0), (x1, y1) = line.points
    assert abs(y0 - y1) < 0.5 and abs(min(x0, x1) - truth.box[0]) <= 1.5 and abs(max(x0, x1) - truth.box[2]) <= 1.5


def test_underline_has_no_specks(shapes: list[Shape], design: designs.Design) -> None:
    x0, y0, x1, y1 = design.shapes[2].box
    near = [s for s in shapes
            if s.box.x0 < x1 + 10 and s.box.x1 > x0 - 10 and s.box.y0 < y1 + 10 and s.box.y1 > y0 - 10]
    assert len(near) == 1


@pytest.mark.parametrize("name", ["poster", "textured", "typography", "effects", "objects", "shapes_with_borders"])
def test_no_doubled_shapes(name: str, tmp_path: Path) -> None:
    path = tmp_path / f"{name}.png"
    getattr(designs, name)().image.save(path)
    found = [n for n in analyze(path).nodes if isinstance(n, Shape)]
    pairs = [(a.id, b.id) for i, a in enumerate(found) for b in found[i + 1:] if doubled(a, b)]
    assert not pairs


def _button(scene: Scene) -> Shape:
    """The bordered button in the analysed scene."""
    return next(n for n in scene.nodes if isinstance(n, Shape) and n.shape == "rect" and n.stroke)


def test_svg_export_strokes_the_button(scene: Scene, tmp_path: Path) -> None:
    button = _button(scene)
    export(scene, tmp_path / "a.svg")
    root = etree.parse(str(tmp_path / "a.svg")).getroot()
    rects = [e for e in root.iter(f"{SVG}rect") if e.get("id", "").startswith("shape")]
    stroked = [e for e in rects if e.get("stroke") not in (None, "none")]
    assert len(stroked) == 1 and stroked[0].get("id") == button.id
    assert stroked[0].get("stroke") == button.stroke and float(stroked[0].get("stroke-width")) == pytest.approx(
        button.stroke_width, abs=0.01)
    assert stroked[0].get("fill") == button.fill


def test_pptx_export_strokes_the_button(scene: Scene, tmp_path: Path) -> None:
    button = _button(scene)
    export(scene, tmp_path / "a.pptx")
    slide = Presentation(str(tmp_path / "a.pptx")).slides[0]
    named = [s for s in slide.shapes if s.name == button.layer_name]
    assert len(named) == 1
    line = named[0].line
    assert str(line.color.rgb).lower() == button.stroke[1:] and line.width > 0
    assert str(named[0].fill.fore_color.rgb).lower() == button.fill[1:]


def test_psd_export_strokes_the_button(scene: Scene, tmp_path: Path) -> None:
    button = _button(scene)
    export(scene, tmp_path / "a.psd")
    names = [layer.name for layer in PSDImage.open(tmp_path / "a.psd").descendants()]
    assert names.count(button.layer_name) == 1
    assert names.count(f"{button.layer_name} (stroke)") == 1


@pytest.mark.parametrize("width", [2, 3, 4, 6, 8])
@pytest.mark.parametrize("offset", [0.0, 0.5])
def test_anti_aliased_rules_keep_their_width(width: int, offset: float) -> None:
    """A rule drawn at 4x and averaged down (soft edges, as rendered designs have) comes back at its width:
    the flat core plus the paint in its edge pixels."""
    s, top = 4, 50 + offset
    big = Image.new("RGB", (300 * s, 100 * s), (250, 248, 240))
    ImageDraw.Draw(big).rectangle((20 * s, int(top * s), 280 * s - 1, int((top + width) * s) - 1), fill=(30, 90, 200))
    image = np.asarray(big.resize((300, 100), Image.BOX))
    free = np.zeros((100, 300), bool)
    (line,) = [f.node for f in FlatSegmenter().find(image, free, free.copy())]
    assert line.shape == "line" and abs(line.stroke_width - width) <= 0.25, line.stroke_width
    assert abs(line.box.y0 - top) <= 0.5 and abs(line.box.y1 - (top + width)) <= 0.5
    assert delta_e(line.stroke, "#1e5ac8") <= 3


def test_the_page_between_bars_is_no_border() -> None:
    """Bars of a chart with the white page between them: bars without a white stroke each."""
    page = Image.new("RGB", (600, 500), (255, 255, 255))
    draw = ImageDraw.Draw(page)
    for k in range(8):
        draw.rectangle((40, 40 + 30 * k, 300 + 20 * k, 40 + 30 * k + 24), fill=(103, 81, 147))
        draw.rectangle((301 + 20 * k, 40 + 30 * k, 560, 40 + 30 * k + 24), fill=(202, 136, 97))
    shapes = [n for n in segment(np.asarray(page), np.zeros((500, 600), bool), ObjectsConfig()).nodes
              if isinstance(n, Shape)]
    assert len(shapes) == 16 and all(s.shape == "rect" and s.stroke is None for s in shapes), \
        [(s.shape, s.stroke, s.stroke_width) for s in shapes]
