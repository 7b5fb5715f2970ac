"""The PSD exporter: structure, live type and shape layers, merged image, independent readers."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from conftest import text_block
from layerize_exporters.psd import PsdExporter, shape_layers
from layerize_exporters.psd.effects import without_effects
from layerize_exporters.psd.text import faux_styles
from PIL import Image
from psd_tools import PSDImage
from psd_tools.constants import BlendMode, GradientType, StrokeFillType, StrokePosition, Tag, WritingDirection

from layerize import export
from layerize.config import ExportConfig
from layerize.primitives.color import hex_to_rgb
from layerize.render import render_block, style_font
from layerize.scene import (
    Background,
    Box,
    Canvas,
    Gradient,
    Provenance,
    Scene,
    Shape,
    TextBlock,
    TextLine,
    TextRun,
    TextShadow,
    TextStroke,
)

PROV = Provenance(engine="test", confidence=1.0)
NODE_MODULES = Path(os.environ.get("LAYERIZE_NODE_MODULES", Path.home() / ".cache" / "eval-node" / "node_modules"))
needs_ag_psd = pytest.mark.skipif(shutil.which("node") is None or not (NODE_MODULES / "ag-psd").is_dir(),
                                  reason="node or ag-psd not installed")


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


def styled(block: TextBlock) -> TextBlock:
    """``block`` with a white outline, a soft shadow down and to the right, and a red-to-blue top-down gradient."""
    style = block.style.model_copy(update={
        "stroke": TextStroke(color="#ffffff", width_px=4),
        "shadow": TextShadow(color="#102030", opacity=0.6, dx=6, dy=8, blur_px=3),
        "gradient": Gradient(start="#ff0000", end="#0000ff", angle=90),
    })
    return block.model_copy(update={"style": style})


@pytest.fixture
def styled_scene(scene: Scene) -> Scene:
    """The plate under a bold title with every text effect and a two-column vertical block."""
    title = styled(text_block("fx", ["Effects"], 60, 150, size=80, weight=700, color="#204080"))
    columns = text_block("v", ["ABC", "DE"], 560, 60, size=40, color="#008000")
    return scene.model_copy(update={"nodes": [title, columns.model_copy(update={"orientation": "vertical"})]})


@pytest.fixture
def styled_path(styled_scene: Scene, tmp_path: Path) -> Path:
    return export(styled_scene, tmp_path / "styled.psd")


def type_layers(psd: PSDImage) -> list:
    return [layer for layer in psd.descendants() if layer.kind == "type"]


def style_runs(layer) -> list[dict]:
    return [run["StyleSheet"]["StyleSheetData"] for run in layer.engine_dict["StyleRun"]["RunArray"]]


def gray(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB"), np.float32)


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


def rgb(color) -> tuple[int, int, int]:
    """An ``RGBC`` descriptor's colour."""
    return tuple(round(float(color[key])) for key in (b"Rd  ", b"Grn ", b"Bl  "))


def test_text_effects_are_layer_effects(styled_scene: Scene, styled_path: Path) -> None:
    block = styled_scene.texts[0]
    style = block.style
    layer = type_layers(PSDImage.open(styled_path))[0]
    assert layer.effects.enabled and [effect.name for effect in layer.effects] == [
        "DropShadow", "GradientOverlay", "Stroke"]
    shadow, gradient, stroke = layer.effects
    assert shadow.enabled and gradient.enabled and stroke.enabled
    assert (stroke.position, stroke.fill_type, stroke.blend_mode) == (
        StrokePosition.OUTSIDE, StrokeFillType.SOLID_COLOR, BlendMode.NORMAL)
    assert stroke.size == style.stroke.width_px and rgb(stroke.color) == hex_to_rgb(style.stroke.color)
    assert shadow.blend_mode == BlendMode.NORMAL and rgb(shadow.color) == hex_to_rgb(style.shadow.color)
    assert shadow.opacity == pytest.approx(60) and not shadow.use_global_light and shadow.layer_knocks_out
    light = math.radians(shadow.angle)  # the shadow falls away from the light
    assert (-shadow.distance * math.cos(light), shadow.distance * math.sin(light)) == pytest.approx((6, 8))
    assert shadow.size == pytest.approx(2 * style.shadow.blur_px) and shadow.choke == 0
    assert (gradient.type, gradient.aligned, gradient.reversed) == (GradientType.LINEAR, True, False)
    assert gradient.scale == 100 and gradient.blend_mode == BlendMode.NORMAL and gradient.opacity == 100
    assert gradient.angle == pytest.approx(-90)  # counter-clockwise: the top (start) to the bottom (end) points down
    stops = [(int(stop[b"Lctn"]), rgb(stop[b"Clr "])) for stop in gradient.gradient[b"Clrs"]]
    assert stops == [(0, (255, 0, 0)), (4096, (0, 0, 255))]
    assert [float(stop[b"Opct"]) for stop in gradient.gradient[b"Trns"]] == [100, 100]
    # the layer's own pixels: the plain glyphs in their fill colour, what Photoshop draws the effects from
    image, (left, top) = render_block(without_effects(block))
    assert layer.bbox == (left, top, left + image.width, top + image.height)
    pixels = np.asarray(layer.topil())
    assert np.array_equal(pixels, np.asarray(image))
    assert np.array_equal(np.unique(pixels[pixels[..., 3] == 255][:, :3], axis=0), [hex_to_rgb(style.color)])


def test_merged_image_shows_the_text_effects(styled_scene: Scene, styled_path: Path) -> None:
    expected = styled_scene.background.image.convert("RGBA")
    for block in styled_scene.texts:
        image, offset = render_block(block)
        placed = Image.new("RGBA", expected.size, (0, 0, 0, 0))
        placed.paste(image, offset)
        expected = Image.alpha_composite(expected, placed)
    merged = gray(PSDImage.open(styled_path).topil())
    assert np.abs(merged - gray(expected)).max() <= 2
    # the stroke and the shadow show where the plain glyphs leave the plate bare
    glyphs = Image.new("L", expected.size, 0)
    image, offset = render_block(without_effects(styled_scene.texts[0]))
    glyphs.paste(image.getchannel("A"), offset)
    changed = np.abs(merged - gray(styled_scene.background.image)).max(axis=2) > 16
    assert (changed & (np.asarray(glyphs) == 0)).sum() > 2000


def test_vertical_text_is_vertical_point_text(styled_scene: Scene, styled_path: Path) -> None:
    block = styled_scene.texts[1]
    layer = type_layers(PSDImage.open(styled_path))[1]
    assert layer.text == "ABC\rDE"  # one paragraph per column
    assert layer.tagged_blocks.get_data(Tag.TYPE_TOOL_OBJECT_SETTING).text_data["Ornt"].enum == b"Vrtc"
    assert layer.typesetting.writing_direction == WritingDirection.VERTICAL_RL
    shape = layer.engine_dict["Rendered"]["Shapes"]["Children"][0]
    assert (int(shape["ShapeType"]), int(shape["Procession"])) == (0, 1)
    assert {int(style["BaselineDirection"]) for style in style_runs(layer)} == {1}  # Latin letters upright
    assert float(style_runs(layer)[0]["Leading"]) == block.style.line_height_px  # the columns' spacing
    assert layer.transform == pytest.approx((1, 0, 0, 1, block.x, block.baseline))  # the first column's top centre
    image, (left, top) = render_block(block)
    assert layer.bbox == (left, top, left + image.width, top + image.height)
    assert not layer.effects.enabled and len(layer.effects) == 0


# ----------------------------------------------------------------------------- independent readers


def read_with_ag_psd(path: Path, describe: str) -> list:
    """ag-psd's reading of the document's leaf layers, bottom to top, each mapped by the JavaScript ``describe``."""
    script = (
        "const { readPsd } = require('ag-psd');"
        "const psd = readPsd(require('fs').readFileSync(process.argv[1]),"
        " { skipCompositeImageData: true, skipLayerImageData: true, skipThumbnail: true });"
        "const walk = ls => ls.flatMap(l => l.children ? walk(l.children) : [l]);"
        f"console.log(JSON.stringify(walk(psd.children).map({describe})));"
    )
    result = subprocess.run(["node", "-e", script, str(path)], capture_output=True, text=True, check=True,
                            env={"NODE_PATH": str(NODE_MODULES), "PATH": os.environ["PATH"]})
    return json.loads(result.stdout)


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


@needs_ag_psd
def test_ag_psd_reads_text_effects_and_vertical_text(styled_scene: Scene, styled_path: Path) -> None:
    ag_layers = read_with_ag_psd(styled_path, (
        "l => ({ name: l.name, effects: l.effects,"
        " text: l.text && { text: l.text.text, orientation: l.text.orientation, shape: l.text.shapeType } })"))
    ag = {layer["name"]: layer for layer in ag_layers}
    title, columns = styled_scene.texts
    effects = ag[title.layer_name]["effects"]
    assert effects["scale"] == 1 and not effects.get("disabled")
    (shadow,), (gradient,), (stroke,) = effects["dropShadow"], effects["gradientOverlay"], effects["stroke"]
    assert all(effect["enabled"] for effect in (shadow, gradient, stroke))
    assert (stroke["position"], stroke["fillType"]) == ("outside", "color")
    assert stroke["color"] == {"r": 255, "g": 255, "b": 255} and stroke["size"] == {"value": 4, "units": "Pixels"}
    assert shadow["color"] == {"r": 16, "g": 32, "b": 48} and shadow["opacity"] == pytest.approx(0.6)
    light, distance = math.radians(shadow["angle"]), shadow["distance"]["value"]
    assert (-distance * math.cos(light), distance * math.sin(light)) == pytest.approx((6, 8))
    assert shadow["size"] == {"value": 6, "units": "Pixels"} and not shadow["useGlobalLight"]
    assert (gradient["type"], gradient["angle"], gradient["align"]) == ("linear", -90, True)
    assert [stop["color"] for stop in gradient["gradient"]["colorStops"]] == [{"r": 255, "g": 0, "b": 0},
                                                                             {"r": 0, "g": 0, "b": 255}]
    assert ag[columns.layer_name]["text"] == {"text": "ABC\nDE", "orientation": "vertical", "shape": "point"}
    assert ag[columns.layer_name].get("effects") is None


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
