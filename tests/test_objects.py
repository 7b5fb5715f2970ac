"""Objects and shapes on layers of their own: geometry, masks, plate, order, hints and export."""

from __future__ import annotations

import zipfile
from pathlib import Path

import cv2
import designs
import numpy as np
import pytest
from PIL import Image, ImageDraw

from layerize.config import Config, ObjectsConfig
from layerize.objects import ObjectHint, segment
from layerize.objects.base import guided_filter
from layerize.objects.flat import FlatSegmenter, similar_components
from layerize.pipeline import analyze
from layerize.primitives.color import channel_max
from layerize.scene import Box, Gradient, ImageObject, Scene, Shape, TextBlock


def _iou(a: Box, b: tuple[float, float, float, float]) -> float:
    ix = max(0.0, min(a.x1, b[2]) - max(a.x0, b[0]))
    iy = max(0.0, min(a.y1, b[3]) - max(a.y0, b[1]))
    inter = ix * iy
    return inter / (a.width * a.height + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def _rgb(color: str) -> np.ndarray:
    return np.array([int(color[i:i + 2], 16) for i in (1, 3, 5)])


@pytest.fixture(scope="module")
def design() -> designs.Design:
    return designs.objects()


@pytest.fixture(scope="module")
def found(design: designs.Design):
    image = np.asarray(design.image)
    ink = (image != np.asarray(design.clean)).any(axis=2).astype(np.uint8)
    text = cv2.dilate(ink, np.ones((5, 5), np.uint8)) > 0  # as the pipeline grows the text mask
    return segment(image, text, ObjectsConfig())


@pytest.fixture(scope="module")
def scene(design: designs.Design, tmp_path_factory: pytest.TempPathFactory) -> Scene:
    path = tmp_path_factory.mktemp("objects") / "objects.png"
    design.image.save(path)
    return analyze(path)


def _match(found, truth: designs.TruthShape) -> Shape:
    shapes = [n for n in found.nodes if isinstance(n, Shape)]
    return max(shapes, key=lambda s: _iou(s.box, truth.box))


@pytest.mark.parametrize("index, kind", [(0, "rect"), (1, "ellipse"), (2, "line"), (3, "polygon")])
def test_shapes_geometry_and_colour(found, design: designs.Design, index: int, kind: str) -> None:
    truth = design.shapes[index]
    shape = _match(found, truth)
    assert shape.shape == kind
    assert _iou(shape.box, truth.box) >= 0.85
    color = shape.stroke if kind == "line" else shape.fill
    assert np.abs(_rgb(color) - truth.color).max() <= 6
    if truth.kind == "rounded":
        assert abs(shape.corner_radius - truth.radius) <= 0.2 * truth.radius
    if truth.kind == "line":
        assert abs(shape.stroke_width - truth.width) <= 1.5
    if truth.kind == "polygon":
        assert len(shape.points) == 3


def test_product_is_an_object_with_a_soft_accurate_mask(found, design: designs.Design) -> None:
    objects = [n for n in found.nodes if isinstance(n, ImageObject)]
    assert len(objects) == 1
    obj = objects[0]
    alpha = np.zeros(design.image.size[::-1], np.float32)
    x0, y0 = int(obj.box.x0), int(obj.box.y0)
    a = np.asarray(obj.image)[..., 3] / 255
    alpha[y0:y0 + a.shape[0], x0:x0 + a.shape[1]] = a
    truth = design.objects[0] > 0.5
    mine = alpha > 0.5
    assert (truth & mine).sum() / (truth | mine).sum() >= 0.85
    assert ((alpha > 0.05) & (alpha < 0.95)).any()  # soft edge
    assert obj.provenance.engine and 0 < obj.provenance.confidence <= 1


def test_shapes_below_objects_and_larger_first(found) -> None:
    kinds = [isinstance(n, ImageObject) for n in found.nodes]
    assert kinds == sorted(kinds)
    shapes = [n for n in found.nodes if isinstance(n, Shape)]
    assert shapes[0].shape == "rect" and shapes[0].corner_radius > 0  # the card under its badge


def test_plate_mask_covers_every_node(found, design: designs.Design) -> None:
    for truth in design.shapes:
        x0, y0, x1, y1 = (int(round(v)) for v in truth.box)
        cx, cy = (x0 + x1) // 2, (y0 + y1) // 2
        assert found.plate_mask[cy, cx]
    assert found.plate_mask[design.objects[0] > 0.5].all()


def test_analyze_erases_objects_from_the_plate_and_keeps_text_on_top(scene: Scene, design: designs.Design) -> None:
    kinds = [type(n) for n in scene.nodes]
    assert kinds.index(TextBlock) > max(i for i, k in enumerate(kinds) if k is not TextBlock)
    plate = np.asarray(scene.background.image, np.float32)
    image = np.asarray(design.image, np.float32)
    inside = design.objects[0] > 0.99
    assert np.abs(plate[inside] - image[inside]).mean() > 30  # the product is not left behind
    page = np.array([246, 243, 236], np.float32)
    assert np.abs(plate[inside] - page).max(axis=1).mean() < 12  # the page continues under it
    card = design.shapes[0].box
    assert np.abs(plate[int(card[1]) + 40, int(card[0]) + 40] - page).max() < 12


def test_keep_in_plate_and_no_objects(design: designs.Design, tmp_path: Path) -> None:
    path = tmp_path / "objects.png"
    design.image.save(path)
    kept = analyze(path, Config(objects=ObjectsConfig(keep_in_plate=True, segmenters=["flat", "photo"])))
    assert all(n.in_plate for n in kept.nodes if not isinstance(n, TextBlock))
    plate = np.asarray(kept.background.image)
    inside = design.objects[0] > 0.99
    assert np.array_equal(plate[inside], np.asarray(design.image)[inside])
    text_only = analyze(path, Config(objects=ObjectsConfig(enabled=False)))
    assert all(isinstance(n, TextBlock) for n in text_only.nodes)


def test_forced_object_hint(design: designs.Design) -> None:
    image = np.asarray(design.image)
    hint = ObjectHint.parse("590,390,770,550:logo")
    result = segment(image, np.zeros(image.shape[:2], bool), ObjectsConfig(segmenters=[]), [hint])
    (obj,) = result.nodes
    assert isinstance(obj, ImageObject) and obj.label == "logo" and obj.provenance.engine == "user"
    assert _iou(obj.box, design.shapes[3].box) >= 0.85
    with pytest.raises(ValueError):
        ObjectHint.parse("10,10,5,5")


def test_guided_filter_keeps_edges_and_flat_areas() -> None:
    guide = np.zeros((40, 40), np.float32)
    guide[:, 20:] = 1
    noisy = guide + np.random.default_rng(0).normal(0, 0.1, guide.shape).astype(np.float32)
    out = guided_filter(guide, noisy, radius=4, eps=1e-3)
    assert np.abs(out - guide).mean() < np.abs(noisy - guide).mean() / 3
    assert out[:, 18].max() < 0.2 and out[:, 21].min() > 0.8


def test_new_shape_kinds_export_natively(tmp_path: Path, scene: Scene) -> None:
    polygon = Shape(id="poly", name="Triangle", shape="polygon", box=Box(x0=10, y0=10, x1=60, y1=60),
                    fill="#cc3333", points=[(10, 60), (35, 10), (60, 60)], provenance=scene.nodes[0].provenance)
    ramp = Shape(id="ramp", name="Ramp", shape="rect", box=Box(x0=80, y0=10, x1=180, y1=60), fill="#808080",
                 gradient=Gradient(start="#000000", end="#ffffff", angle=90), provenance=polygon.provenance)
    edited = scene.model_copy(update={"nodes": [polygon, ramp]})
    svg = edited.export(tmp_path / "s.svg").read_text()
    assert "<polygon" in svg and "linearGradient" in svg
    with zipfile.ZipFile(edited.export(tmp_path / "s.pptx")) as deck:
        slide = deck.read("ppt/slides/slide1.xml").decode()
    assert "custGeom" in slide and "gradFill" in slide
    again = Scene.from_json(edited.to_json())
    assert again.nodes[0].points == [(10, 60), (35, 10), (60, 60)] and again.nodes[1].gradient.angle == 90


def test_cli_object_options(design: designs.Design, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from layerize.cli import main

    path = tmp_path / "objects.png"
    design.image.save(path)
    runner = CliRunner()
    bad = runner.invoke(main, ["convert", str(path), "--scene", str(tmp_path / "s.json"), "--object", "1,2,3"])
    assert bad.exit_code == 2 and "x0,y0,x1,y1" in bad.output
    ok = runner.invoke(main, ["convert", str(path), "--scene", str(tmp_path / "s.json"), "--no-objects",
                              "--object", "590,390,770,550:logo"])
    assert ok.exit_code == 0, ok.output
    nodes = Scene.load(tmp_path / "s.json").nodes
    assert [n.label for n in nodes if isinstance(n, ImageObject)] == ["logo"]
    assert not any(isinstance(n, Shape) for n in nodes)


def test_similar_components_boxes_are_those_of_their_pixels():
    rng = np.random.default_rng(3)
    image = (rng.integers(0, 4, (90, 120, 1)) * 60).repeat(3, axis=2).astype(np.uint8)  # four grey levels
    free = rng.random((90, 120)) > 0.1
    count, labels, boxes = similar_components(image, free, 10)
    assert count > 100
    for label in range(1, count):
        ys, xs = np.nonzero(labels == label)
        if len(xs):
            assert tuple(boxes[label]) == (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)


def test_channel_max_is_the_largest_channel():
    rng = np.random.default_rng(4)
    for pixels in (rng.integers(-300, 300, (7, 9, 3)).astype(np.int16), rng.random((5, 4, 3), np.float32),
                   rng.integers(0, 256, (3, 6, 4)).astype(np.uint8)):
        assert np.array_equal(channel_max(pixels), pixels.max(axis=-1))


def _mottled(size: tuple[int, int], seed: int) -> Image.Image:
    """A painted backdrop: smooth blotches of many colours (as AI-generated posters have)."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 255, (size[1] // 40, size[0] // 40, 3), dtype=np.uint8)
    return Image.fromarray(cv2.GaussianBlur(cv2.resize(small, size, interpolation=cv2.INTER_CUBIC), (0, 0), 8))


ARROW = [(40, 130), (200, 130), (200, 110), (250, 145), (200, 180), (200, 160), (40, 160)]
PIE = ((300, 60), (380, 140))


def test_a_flat_polygon_on_a_painted_backdrop_is_a_shape_but_a_logo_piece_is_not() -> None:
    page = _mottled((480, 320), 3)
    big = page.resize((480 * 4, 320 * 4))
    draw = ImageDraw.Draw(big)
    draw.polygon([(x * 4, y * 4) for x, y in ARROW], fill=(26, 47, 99))
    draw.rectangle((290 * 4, 50 * 4, 390 * 4, 150 * 4), fill=(255, 255, 255))  # a white tile holding a logo
    (x0, y0), (x1, y1) = PIE
    for start, color in ((0, (230, 60, 40)), (120, (40, 160, 90)), (240, (250, 190, 30))):
        draw.pieslice((x0 * 4, y0 * 4, x1 * 4, y1 * 4), start, start + 120, fill=color)
    image = np.asarray(big.resize((480, 320), Image.LANCZOS))
    shapes = [n for n in FlatSegmenter().find(image, np.zeros((320, 480), bool), np.zeros((320, 480), bool))
              if isinstance(n.node, Shape)]
    arrow = max((f.node for f in shapes), key=lambda s: _iou(s.box, (40, 110, 250, 180)))
    assert arrow.shape == "polygon" and _iou(arrow.box, (40, 110, 250, 180)) >= 0.9, arrow.box
    assert abs(arrow.box.x1 - 250) <= 3 and abs(arrow.box.y0 - 110) <= 3, "the head keeps its sharp tips"
    assert np.abs(_rgb(arrow.fill) - (26, 47, 99)).max() <= 8
    pieces = [f.node for f in shapes if f.node.shape == "polygon" and _iou(f.node.box, (x0, y0, x1, y1)) > 0]
    assert not pieces, "the slices of a three-colour logo are no polygons of their own"


def test_an_arrow_across_columns_and_cut_by_its_label_is_one_polygon() -> None:
    """A slide's block arrow from one coloured column over the page into the next, its label covering the
    whole height of its body: one polygon, not two pieces left out as graphics."""
    page = Image.new("RGB", (1000, 600), (255, 255, 255))
    draw = ImageDraw.Draw(page)
    draw.rectangle((60, 60, 340, 560), fill=(194, 175, 213))
    draw.rectangle((480, 60, 760, 560), fill=(238, 216, 159))
    arrow = [(200, 250), (560, 250), (560, 210), (660, 285), (560, 360), (560, 320), (200, 320)]
    draw.polygon(arrow, fill=(124, 166, 85))
    text = np.zeros((600, 1000), bool)
    text[245:326, 330:470] = True  # the label, across the body
    shapes = [n for n in segment(np.asarray(page), text, ObjectsConfig()).nodes if isinstance(n, Shape)]
    green = [s for s in shapes if s.fill and np.abs(_rgb(s.fill) - (124, 166, 85)).max() <= 8]
    assert len(green) == 1, [(s.shape, s.box) for s in green]
    assert green[0].shape == "polygon" and _iou(green[0].box, (200, 210, 661, 361)) >= 0.95, green[0].box


def test_a_mark_on_a_card_on_a_panel_is_one_decoration() -> None:
    """A textured mark no segmenter explains, on a card that lies on a panel: one decoration, not one per
    shape under it (traced, the two would be doubled shapes)."""
    page = Image.new("RGB", (1000, 800), (250, 250, 250))
    draw = ImageDraw.Draw(page)
    draw.rectangle((100, 100, 600, 500), fill=(200, 60, 60))
    draw.rounded_rectangle((200, 200, 500, 400), radius=20, fill=(60, 120, 200))
    rng = np.random.default_rng(0)
    page.paste(Image.fromarray(rng.integers(0, 255, (30, 30, 3), dtype=np.uint8)), (330, 280))
    result = segment(np.asarray(page), np.zeros((800, 1000), bool), ObjectsConfig(trace=False))
    assert [n.label for n in result.nodes if isinstance(n, ImageObject)] == ["decoration"]



def test_an_object_laid_on_its_plate_draws_the_image_again_on_its_soft_edge() -> None:
    """A disc with a soft edge over a gradient, cut out with a decontaminated edge, over a plate whose fill only
    approximates the gradient: matted, its edge colours make plate and object composite to the image again."""
    from layerize.objects.base import cut_out, matted

    h, w = 80, 120
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    behind = np.dstack([40 + xx, 90 + 0.5 * yy, np.full((h, w), 160.0)])
    alpha = np.clip(18.0 - np.hypot(xx - 60, yy - 40), 0, 1)[..., None] * np.clip(
        (np.hypot(xx - 60, yy - 40) - 6) / 12 + 0.3, 0.3, 1)[..., None]  # soft all through its rim
    image = np.rint(alpha * np.array([230.0, 40.0, 30.0]) + (1 - alpha) * behind).astype(np.uint8)
    plate = np.clip(behind + 9.0, 0, 255).astype(np.uint8)  # an inpainted guess, a little off
    found = cut_out(image, alpha[..., 0], "product", "photo", 0.9)
    assert found is not None

    def composite(node: ImageObject) -> np.ndarray:
        rgba, (left, top) = node.placed()
        layer = np.zeros((h, w, 4), np.float32)
        layer[top:top + rgba.height, left:left + rgba.width] = np.asarray(rgba, np.float32)
        a = layer[..., 3:] / 255.0
        return a * layer[..., :3] + (1 - a) * plate

    edge = (alpha[..., 0] > 0.05) & (alpha[..., 0] < 0.95)
    before = np.abs(composite(found.node) - image)[edge].mean()
    after = np.abs(composite(matted(found.node, image, plate)) - image)[edge].mean()
    assert after <= 1.5 < 4 < before, (before, after)
