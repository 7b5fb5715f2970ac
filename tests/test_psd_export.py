"""The PSD exporter: structure, live type and shape layers, merged image, independent readers."""

from __future__ import annotations

import math
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from conftest import text_block
from layerize_exporters.psd import PsdExporter, shape_layers
from layerize_exporters.psd.shapes import offset_polygon, shape_paints
from layerize_exporters.psd.text import faux_styles
from PIL import Image
from psd_tools import PSDImage
from psd_tools.constants import Tag
from psdread import gray, needs_ag_psd, read_with_ag_psd, style_runs, type_layers

from layerize import export
from layerize.config import ExportConfig
from layerize.primitives.color import hex_to_rgb
from layerize.render import gradient_image, render_block, style_font
from layerize.scene import (
    Background,
    Box,
    Canvas,
    Gradient,
    Provenance,
    Scene,
    Shape,
    TextLine,
    TextRun,
)

PROV = Provenance(engine="test", confidence=1.0)


@pytest.fixture
def full_scene(scene: Scene) -> Scene:
    """The fixture scene with its flat original, a stroked ellipse and a rule."""
    original = Image.new("RGB", (scene.canvas.width, scene.canvas.height), (10, 200, 10))
    extra = [
        Shape(id="shape-2", name="Shape: ring", shape="ellipse", box=Box(x0=40, y0=250, x1=140, y1=350),
              fill="#f0c040", stroke="#302010", stroke_width=6, provenance=PROV),
        Shape(id="shape-3", name="Shape: rule", shape="line", box=Box(x0=40, y0=380, x1=340, y1=380),
              stroke="#000000", stroke_width=3, provenance=PROV),
    ]
    return scene.model_copy(update={"original": original, "nodes": extra + scene.nodes})


@pytest.fixture
def psd_path(full_scene: Scene, tmp_path: Path) -> Path:
    return export(full_scene, tmp_path / "scene.psd")


def test_exporter_is_registered() -> None:
    assert PsdExporter.name == "psd" and PsdExporter.extensions == ("psd", "psb")


def test_groups_by_kind_background_locked_reference_hidden(full_scene: Scene, psd_path: Path) -> None:
    psd = PSDImage.open(psd_path)
    assert (psd.width, psd.height, psd.version) == (full_scene.canvas.width, full_scene.canvas.height, 1)
    assert [layer.name for layer in psd] == ["Background", "Shapes", "Objects", "Text", "Original (reference)"]
    shapes, objects, text = psd[1], psd[2], psd[3]
    assert [layer.name for layer in shapes] == ["Shape: ring", "Shape: ring (stroke)", "Shape: rule", "Shape: card"]
    assert [layer.name for layer in objects] == ["Product"]
    assert [layer.name for layer in text] == [node.layer_name for node in full_scene.texts]
    assert {layer.kind for layer in shapes} == {"shape"} and {layer.kind for layer in text} == {"type"}
    background, reference = psd[0], psd[-1]
    assert background.kind == "pixel" and background.is_visible()
    assert background.tagged_blocks.get_data(Tag.PROTECTED_SETTING) == 0x07
    assert not reference.is_visible() and reference.kind == "pixel"
    assert np.array_equal(np.asarray(reference.topil().convert("RGB")), np.asarray(full_scene.original))


def test_background_layer_is_the_plate(scene: Scene, psd_path: Path) -> None:
    background = PSDImage.open(psd_path)[0]
    assert background.bbox == (0, 0, scene.canvas.width, scene.canvas.height)
    assert np.array_equal(np.asarray(background.topil().convert("RGB")), np.asarray(scene.background.image))


def test_type_layers_carry_text_font_size_and_colour(full_scene: Scene, psd_path: Path) -> None:
    layers = type_layers(PSDImage.open(psd_path))
    assert len(layers) == len(full_scene.texts)
    for layer, block in zip(layers, full_scene.texts):
        assert " ".join(layer.text.split()) == " ".join(block.text.split())
        assert layer.engine_dict["Editor"]["Text"].value == layer.text + "\r"
        (style,) = style_runs(layer)
        assert layer.resource_dict["FontSet"][int(style["Font"])]["Name"].value == block.style.font_postscript
        assert float(style["FontSize"]) == pytest.approx(block.style.size_px)
        argb = [float(v) for v in style["FillColor"]["Values"]]
        assert argb == pytest.approx([1.0] + [c / 255 for c in hex_to_rgb(block.style.color)], abs=1e-6)
        assert float(style["Leading"]) == pytest.approx(block.style.line_height_px)
        assert not style["AutoLeading"] and not style["FauxBold"] and not style["FauxItalic"]
        assert layer.tagged_blocks.get_data(Tag.TYPE_TOOL_OBJECT_SETTING).text_data["AntA"].enum == b"AnSm"


def test_single_lines_are_point_text_and_blocks_paragraph_text(full_scene: Scene, psd_path: Path) -> None:
    codes = {"left": 0, "right": 1, "center": 2}
    for layer, block in zip(type_layers(PSDImage.open(psd_path)), full_scene.texts):
        shape = layer.engine_dict["Rendered"]["Shapes"]["Children"][0]["Cookie"]["Photoshop"]
        assert int(shape["ShapeType"]) == (0 if len(block.lines) == 1 else 1)
        paragraphs = layer.engine_dict["ParagraphRun"]["RunArray"]
        assert {int(p["ParagraphSheet"]["Properties"]["Justification"]) for p in paragraphs} == {
            codes[block.style.align]}
        assert not any(p["ParagraphSheet"]["Properties"]["AutoHyphenate"] for p in paragraphs)
        if len(block.lines) == 1:
            assert layer.transform == pytest.approx((1, 0, 0, 1, block.x, block.baseline))
    # "Roasted daily in" + "small" would not fit the box: Photoshop wraps there by itself
    block = full_scene.texts[1]
    layer = type_layers(PSDImage.open(psd_path))[1]
    assert layer.text == "Roasted daily in small batches"
    box = [float(v) for v in layer.engine_dict["Rendered"]["Shapes"]["Children"][0]["Cookie"]["Photoshop"]["BoxBounds"]]
    width = box[2]
    # centred: the box's middle is the anchor, the first baseline one ascent below its top
    xx, xy, yx, yy, tx, ty = layer.transform
    assert tx + width / 2 == pytest.approx(block.x)
    assert ty < block.baseline < ty + block.style.size_px


def test_manual_line_breaks_stay_paragraph_breaks(scene: Scene, tmp_path: Path) -> None:
    scene.nodes = [text_block("t", ["Fresh", "Coffee beans"], 40, 90, size=40)]
    layer = type_layers(PSDImage.open(export(scene, tmp_path / "breaks.psd")))[0]
    assert layer.text == "Fresh\rCoffee beans"
    assert [int(n) for n in layer.engine_dict["ParagraphRun"]["RunLengthArray"]] == [6, 13]


def test_type_layer_bounds_are_the_rendered_ink(full_scene: Scene, psd_path: Path) -> None:
    for layer, block in zip(type_layers(PSDImage.open(psd_path)), full_scene.texts):
        image, (left, top) = render_block(block)
        assert layer.bbox == (left, top, left + image.width, top + image.height)
        assert np.array_equal(np.asarray(layer.topil()), np.asarray(image))


def test_rotation_tracking_and_justify(scene: Scene, tmp_path: Path) -> None:
    block = text_block("text-r", ["Tilted (a\\b)", "line two"], 320, 250, size=30, rotation=30)
    style = block.style.model_copy(update={"letter_spacing_px": 3.0, "align": "justify"})
    scene.nodes = [block.model_copy(update={"style": style})]
    layer = type_layers(PSDImage.open(export(scene, tmp_path / "rotated.psd")))[0]
    angle = math.radians(30)
    xx, xy, yx, yy, tx, ty = layer.transform
    assert (xx, xy, yx, yy) == pytest.approx((math.cos(angle), -math.sin(angle), math.sin(angle), math.cos(angle)))
    # paragraph text: the first baseline's left end, one ascent below the box's top-left, is the anchor
    ascent = style_font(style).getmetrics()[0]
    assert (xx * 0 + yx * ascent + tx, xy * 0 + yy * ascent + ty) == pytest.approx((320, 250))
    assert layer.text == "Tilted (a\\b) line two"  # a soft wrap: "line" does not fit after the longer line
    assert int(style_runs(layer)[0]["Tracking"]) == 100  # 3 px of a 30 px em, in 1/1000 em
    properties = layer.engine_dict["ParagraphRun"]["RunArray"][0]["ParagraphSheet"]["Properties"]
    assert int(properties["Justification"]) == 3
    image, (left, top) = render_block(scene.nodes[0])
    assert layer.bbox == (left, top, left + image.width, top + image.height)


def test_style_runs_and_faux_styles(scene: Scene, tmp_path: Path) -> None:
    block = text_block("t", ["Only $9 today"], 40, 90, size=40)
    runs = [TextRun(text="Only "), TextRun(text="$9", color="#d02020", weight=700), TextRun(text=" today")]
    block = block.model_copy(update={"lines": [block.lines[0].model_copy(update={"runs": runs})]})
    scene.nodes = [block]
    layer = type_layers(PSDImage.open(export(scene, tmp_path / "runs.psd")))[0]
    assert layer.text == "Only $9 today"
    assert [int(n) for n in layer.engine_dict["StyleRun"]["RunLengthArray"]] == [5, 2, 7]
    styles = style_runs(layer)
    fonts = [layer.resource_dict["FontSet"][int(s["Font"])]["Name"].value for s in styles]
    assert fonts == ["DejaVuSans", "DejaVuSans-Bold", "DejaVuSans"]
    assert [round(float(v) * 255) for v in styles[1]["FillColor"]["Values"]][1:] == [0xD0, 0x20, 0x20]
    assert not any(s["FauxBold"] for s in styles)  # a real bold face exists
    # the red run shows in the pixels
    pixels = np.asarray(layer.topil())
    assert ((pixels[..., 0] > 150) & (pixels[..., 1] < 80) & (pixels[..., 3] > 200)).any()
    heavy = block.style.model_copy(update={"weight": 900})  # asked heavier than the regular file it names
    assert faux_styles(heavy) == (True, False)
    with pytest.raises(ValueError):
        TextLine(text="abc", box=block.lines[0].box, runs=[TextRun(text="ab")])


def test_blank_text_still_makes_a_type_layer(scene: Scene, tmp_path: Path) -> None:
    block = scene.texts[0]
    scene.nodes = [block.model_copy(update={"lines": [block.lines[0].model_copy(update={"text": " "})]})]
    layer = type_layers(PSDImage.open(export(scene, tmp_path / "blank.psd")))[0]
    assert layer.text == " "


def test_shape_layers_are_vector_masked_fills_with_pixels(psd_path: Path) -> None:
    psd = PSDImage.open(psd_path)
    shapes = {layer.name: layer for layer in psd[1]}
    card = shapes["Shape: card"]
    soco = card.tagged_blocks.get_data(Tag.SOLID_COLOR_SHEET_SETTING)[b"Clr "]
    assert [round(float(soco[k])) for k in (b"Rd  ", b"Grn ", b"Bl  ")] == [0x20, 0x50, 0xA0]
    box = card.vector_mask.bbox
    assert (box[0] * psd.width, box[1] * psd.height, box[2] * psd.width, box[3] * psd.height) == pytest.approx(
        (380, 220, 600, 360), abs=0.01)
    assert card.bbox == (380, 220, 600, 360) and card.has_pixels()
    ring = shapes["Shape: ring (stroke)"]
    assert [p.operation for p in ring.vector_mask.paths] == [1, 2]  # outer outline minus inner
    assert ring.bbox == (37, 247, 143, 353)
    alpha = np.asarray(ring.topil())[..., 3]
    assert alpha[53, 53] == 0 and alpha[53, 1:5].max() == 255
    rule = np.asarray(shapes["Shape: rule"].topil())
    assert int(rule[..., 3].sum(axis=0)[150]) == pytest.approx(3 * 255, abs=2)


def test_polygons_and_slanted_lines_keep_their_geometry() -> None:
    triangle = Shape(id="t", name="triangle", shape="polygon", box=Box(x0=10, y0=10, x1=70, y1=60),
                     points=[(40, 10), (70, 60), (10, 60)], fill="#c03020", provenance=PROV)
    (layer,) = shape_layers(triangle, (100, 100))
    alpha = np.asarray(layer.image)[..., 3]
    ox, oy = layer.offset
    assert alpha[50 - oy, 40 - ox] == 255 and alpha[15 - oy, 15 - ox] == 0  # inside / cut-off corner
    slash = Shape(id="l", name="slash", shape="line", box=Box(x0=10, y0=10, x1=90, y1=90),
                  points=[(10, 10), (90, 90)], stroke="#000000", stroke_width=4, provenance=PROV)
    (layer,) = shape_layers(slash, (100, 100))
    alpha = np.asarray(layer.image)[..., 3]
    ox, oy = layer.offset
    assert alpha[50 - oy, 50 - ox] == 255 and alpha[20 - oy, 80 - ox] == 0  # on the diagonal / off it


def test_shape_pixels_are_antialiased_without_fringe() -> None:
    card = Shape(id="s", name="card", shape="rect", box=Box(x0=10, y0=10, x1=60, y1=40), fill="#2050a0",
                 corner_radius=8, provenance=PROV)
    (layer,) = shape_layers(card, (100, 100))
    pixels = np.asarray(layer.image)
    assert tuple(pixels[25 - layer.offset[1], 35 - layer.offset[0]]) == (0x20, 0x50, 0xA0, 255)
    assert pixels[10 - layer.offset[1], 10 - layer.offset[0], 3] == 0  # rounded away
    assert len(set(np.unique(pixels[..., 3])) - {0, 255}) > 0  # soft edges
    assert np.abs(pixels[pixels[..., 3] > 0][:, :3].astype(int) - (0x20, 0x50, 0xA0)).max() == 0


def test_groups_keep_the_stacking_of_overlapping_nodes(scene: Scene, tmp_path: Path) -> None:
    sticker = Shape(id="s", name="Shape: sticker", shape="ellipse", box=Box(x0=30, y0=40, x1=120, y1=100),
                    fill="#ff0000", provenance=PROV)
    scene.nodes = scene.nodes + [sticker]  # above "Fresh Coffee", which it overlaps
    psd = PSDImage.open(export(scene, tmp_path / "stack.psd"))
    assert [layer.name for layer in psd] == ["Background", "Shapes", "Objects", "Text", "Shapes 2"]
    merged = np.asarray(psd.topil().convert("RGB"))
    assert tuple(merged[70, 60]) == (255, 0, 0)


def test_merged_image_matches_the_layers(full_scene: Scene, psd_path: Path) -> None:
    psd = PSDImage.open(psd_path)
    merged = gray(psd.topil())
    assert merged.shape == (full_scene.canvas.height, full_scene.canvas.width, 3)
    for force in (False, True):  # stored pixels; shapes redrawn from their vector masks
        diff = np.abs(merged - gray(psd.composite(force=force)))
        assert diff.mean() < 0.1 and np.mean(diff.max(axis=2) > 2) < 0.002
    title = full_scene.texts[0]
    x0, y0, x1, y1 = (int(v) for v in (title.box.x0, title.box.y0, title.box.x1, title.box.y1))
    assert merged[y0:y1, x0:x1].min() < 64  # the text shows; the green reference does not
    assert not ((merged[..., 1] > 190) & (merged[..., 0] < 20)).any()


def test_background_option(scene: Scene, tmp_path: Path) -> None:
    plate = scene.background.image.convert("RGBA")
    plate.paste((0, 0, 0, 0), (0, 0, 50, 50))
    scene = scene.model_copy(update={"background": Background(image=plate, provenance=PROV)})
    transparent = PSDImage.open(export(scene, tmp_path / "t.psd"))
    assert transparent.topil().mode == "RGBA" and transparent.topil().getpixel((10, 10))[3] == 0
    white = PSDImage.open(export(scene, tmp_path / "w.psd", config=ExportConfig(psd={"background": "white"})))
    assert white.topil().mode == "RGB" and white.topil().getpixel((10, 10)) == (255, 255, 255)
    assert white[0].topil().getpixel((10, 10))[:3] == (255, 255, 255)
    with pytest.raises(Exception, match="background"):
        ExportConfig(psd={"background": "grey"})


def test_config_passes_the_background_option(scene: Scene, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from layerize.cli import main

    plate = scene.background.image.convert("RGBA")
    plate.paste((0, 0, 0, 0), (0, 0, 50, 50))
    scene.background = Background(image=plate, provenance=PROV)
    scene.save(tmp_path / "scene.json")
    (tmp_path / "white.toml").write_text('[export.psd]\nbackground = "white"\n')
    out = tmp_path / "out.psd"
    result = CliRunner().invoke(main, [str(tmp_path / "scene.json"), "-o", str(out), "--config",
                                       str(tmp_path / "white.toml"), "-q"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert PSDImage.open(out).topil().getpixel((10, 10)) == (255, 255, 255)


def test_large_documents_are_psb(scene: Scene, tmp_path: Path) -> None:
    assert PSDImage.open(export(scene, tmp_path / "doc.psb")).version == 2
    wide = Scene(canvas=Canvas(width=30_001, height=4), background=Background(
        image=Image.new("RGB", (30_001, 4), (200, 210, 220)), provenance=PROV))
    psd = PSDImage.open(export(wide, tmp_path / "wide.psd"))
    assert psd.version == 2 and psd.size == (30_001, 4) and psd[0].bbox == (0, 0, 30_001, 4)


def test_exports_are_byte_identical(full_scene: Scene, tmp_path: Path) -> None:
    first = export(full_scene, tmp_path / "a.psd").read_bytes()
    second = export(full_scene, tmp_path / "b.psd").read_bytes()
    assert first == second


# ----------------------------------------------------------------------------- independent readers


@needs_ag_psd
def test_ag_psd_reads_the_same_text(psd_path: Path) -> None:
    ag_layers = read_with_ag_psd(psd_path, (
        "l => ({ name: l.name, hidden: !!l.hidden,"
        " text: l.text && { text: l.text.text, font: l.text.style.font.name, size: l.text.style.fontSize,"
        " color: l.text.style.fillColor, justification: l.text.paragraphStyle.justification,"
        " shape: l.text.shapeType, runs: (l.text.styleRuns || []).length }, vector: !!l.vectorMask,"
        " fill: l.vectorFill && l.vectorFill.color })"))
    psd = PSDImage.open(psd_path)
    ours = [layer for layer in psd.descendants() if not layer.is_group()]
    assert [layer["name"] for layer in ag_layers] == [layer.name for layer in ours]
    assert [layer["hidden"] for layer in ag_layers] == [not layer.is_visible() for layer in ours]
    for ag, layer in zip(ag_layers, ours):
        assert ag["vector"] == (layer.kind == "shape")
        if layer.kind != "type":
            assert ag.get("text") is None
            continue
        text = ag["text"]
        assert text["text"].replace("\n", "\r") == layer.text
        style = style_runs(layer)[0]
        assert text["font"] == layer.resource_dict["FontSet"][int(style["Font"])]["Name"].value
        assert text["size"] == pytest.approx(float(style["FontSize"]))
        assert [text["color"][c] / 255 for c in "rgb"] == pytest.approx(
            [float(v) for v in style["FillColor"]["Values"]][1:], abs=1e-3)
        box_text = int(layer.engine_dict["Rendered"]["Shapes"]["Children"][0]["ShapeType"]) == 1
        assert text["shape"] == ("box" if box_text else "point")


def _assert_same_picture(path: Path, expected: np.ndarray, mean: float = 0.5) -> None:
    got = gray(Image.open(path))
    assert got.shape == expected.shape
    assert np.abs(got - expected).mean() < mean


@pytest.mark.skipif(shutil.which("convert") is None, reason="ImageMagick not installed")
def test_imagemagick_reads_the_merged_image_and_the_layers(psd_path: Path, tmp_path: Path) -> None:
    expected = gray(PSDImage.open(psd_path).topil())
    merged, flat = tmp_path / "merged.png", tmp_path / "flat.png"
    subprocess.run(["convert", f"{psd_path}[0]", str(merged)], check=True, capture_output=True)
    assert np.array_equal(gray(Image.open(merged)), expected)
    subprocess.run(["convert", str(psd_path), "-delete", "0", "-background", "white", "-flatten", str(flat)],
                   check=True, capture_output=True)
    _assert_same_picture(flat, expected)


@pytest.mark.skipif(shutil.which("gimp") is None, reason="GIMP not installed")
def test_gimp_opens_the_layers_and_shows_the_merged_image(psd_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "gimp.png"
    script = (f'(let* ((image (car (gimp-file-load RUN-NONINTERACTIVE "{psd_path}" "{psd_path}")))'
              f' (layer (car (gimp-image-flatten image))))'
              f' (gimp-file-save RUN-NONINTERACTIVE image layer "{out}" "{out}"))')
    subprocess.run(["gimp", "-i", "-d", "-f", "-b", script, "-b", "(gimp-quit 0)"], check=True,
                   capture_output=True, timeout=300, env={**os.environ, "HOME": str(tmp_path)})
    _assert_same_picture(out, gray(PSDImage.open(psd_path).topil()))


def test_gradient_shapes_are_gradient_fill_layers() -> None:
    bar = Shape(id="g", name="bar", shape="rect", box=Box(x0=10, y0=10, x1=90, y1=30), provenance=PROV,
                gradient=Gradient(start="#ff0000", end="#0000ff", angle=180))
    (layer,) = shape_layers(bar, (100, 100))
    blocks = {block.key: block.data for block in layer.blocks}
    assert Tag.SOLID_COLOR_SHEET_SETTING not in blocks and Tag.VECTOR_MASK_SETTING1 in blocks
    fill = blocks[Tag.GRADIENT_FILL_SETTING]
    assert float(fill[b"Angl"]) == -180 and fill[b"Type"].enum == b"Lnr " and bool(fill[b"Algn"])
    assert [int(stop[b"Lctn"]) for stop in fill[b"Grad"][b"Clrs"]] == [0, 4096]
    assert layer.offset == (10, 10)  # its pixels: the gradient across the box, right (start) to left (end)
    expected = gradient_image((80, 20), Box(x0=0, y0=0, x1=80, y1=20), bar.gradient)
    assert np.array_equal(np.asarray(layer.image.convert("RGB")), np.asarray(expected))


def test_polygon_strokes_are_mitred_rings_bevelled_past_the_limit() -> None:
    spike = Shape(id="s", name="spike", shape="polygon", box=Box(x0=10, y0=45, x1=90, y1=55), fill="#c0c0c0",
                  points=[(10, 50), (90, 45), (90, 55)], stroke="#000000", stroke_width=4, provenance=PROV)
    fill, ring = shape_layers(spike, (100, 100))
    assert (fill.name, ring.name) == ("spike", "spike (stroke)")
    outer, inner = shape_paints(spike)[1].outlines
    assert (len(outer.knots), len(inner.knots), inner.subtract) == (4, 3, True)  # the 7° tip is bevelled
    # the mitre at (90, 45): the vertical edge moved 2 px right meets the slanted edge moved 2 px out
    assert outer.knots[2].anchor == pytest.approx((92, 50 - 5 * 82 / 80 - 2 * math.hypot(80, 5) / 80))
    alpha = np.asarray(ring.image)[..., 3]
    ox, oy = ring.offset
    assert alpha[50 - oy, 91 - ox] == 255 and alpha[50 - oy, 60 - ox] == 0  # on the outline / inside it
    assert offset_polygon([(0, 0), (10, 0), (0, 10)], -5) is None  # shrunk past its inner circle
