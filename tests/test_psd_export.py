"""The PSD exporter: layers, live type layers, merged image and byte stability."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from conftest import text_block
from PIL import Image
from psd_tools import PSDImage

from layerize import export
from layerize.render import hex_to_rgb, render_block
from layerize.scene import Box, Provenance, Scene, Shape, TextBlock
from layerize_exporters.psd import PsdExporter, shape_layer

AG_PSD = Path.home() / ".cache" / "eval-node" / "node_modules"


@pytest.fixture
def psd_path(scene: Scene, tmp_path: Path) -> Path:
    return export(scene, tmp_path / "scene.psd")


def type_layers(psd: PSDImage) -> list:
    return [layer for layer in psd if layer.kind == "type"]


def style_data(layer) -> dict:
    return layer.engine_dict["StyleRun"]["RunArray"][0]["StyleSheet"]["StyleSheetData"]


def test_exporter_is_registered() -> None:
    assert PsdExporter.name == "psd" and PsdExporter.extensions == ("psd",)


def test_layer_order_follows_the_scene(scene: Scene, psd_path: Path) -> None:
    psd = PSDImage.open(psd_path)
    assert (psd.width, psd.height) == (scene.canvas.width, scene.canvas.height)
    assert [layer.name for layer in psd] == ["Background"] + [node.name for node in scene.nodes]
    expected_kinds = ["pixel"] + ["type" if isinstance(n, TextBlock) else "pixel" for n in scene.nodes]
    assert [layer.kind for layer in psd] == expected_kinds


def test_background_layer_is_the_plate(scene: Scene, psd_path: Path) -> None:
    background = PSDImage.open(psd_path)[0]
    assert background.bbox == (0, 0, scene.canvas.width, scene.canvas.height)
    pixels = np.asarray(background.topil().convert("RGB"))
    assert np.array_equal(pixels, np.asarray(scene.background.image.convert("RGB")))


def test_type_layers_carry_text_font_size_and_colour(scene: Scene, psd_path: Path) -> None:
    layers = type_layers(PSDImage.open(psd_path))
    assert len(layers) == len(scene.texts)
    for layer, block in zip(layers, scene.texts):
        assert layer.text.replace("\r", "\n") == block.text
        assert layer.engine_dict["Editor"]["Text"].value == block.text.replace("\n", "\r") + "\r"
        style = style_data(layer)
        fonts = layer.resource_dict["FontSet"]
        assert fonts[int(style["Font"])]["Name"].value == block.style.font_postscript
        assert layer.font_names[0] == block.style.font_postscript
        assert float(style["FontSize"]) == pytest.approx(block.style.size_px)
        argb = [float(v) for v in style["FillColor"]["Values"]]
        assert argb == pytest.approx([1.0] + [c / 255 for c in hex_to_rgb(block.style.color)], abs=1e-6)
        assert float(style["Leading"]) == pytest.approx(block.style.line_height_px)
        assert not style["AutoLeading"] and not style["FauxBold"] and not style["FauxItalic"]


def test_paragraphs_are_justified_per_line(scene: Scene, psd_path: Path) -> None:
    codes = {"left": 0, "right": 1, "center": 2}
    for layer, block in zip(type_layers(PSDImage.open(psd_path)), scene.texts):
        runs = layer.engine_dict["ParagraphRun"]
        assert [int(n) for n in runs["RunLengthArray"]] == [len(line.text) + 1 for line in block.lines]
        justification = {int(run["ParagraphSheet"]["Properties"]["Justification"]) for run in runs["RunArray"]}
        assert justification == {codes[block.style.align]}


def test_transform_puts_the_origin_on_the_anchor(scene: Scene, psd_path: Path) -> None:
    for layer, block in zip(type_layers(PSDImage.open(psd_path)), scene.texts):
        assert layer.transform == pytest.approx((1, 0, 0, 1, block.x, block.baseline))


def test_type_layer_pixels_are_the_rendered_text(scene: Scene, psd_path: Path) -> None:
    for layer, block in zip(type_layers(PSDImage.open(psd_path)), scene.texts):
        image, (left, top) = render_block(block)
        assert layer.bbox == pytest.approx((left, top, left + image.width, top + image.height), abs=1)


def test_rotation_tracking_and_justify(scene: Scene, tmp_path: Path) -> None:
    block = text_block("text-r", ["Tilted (a\\b)", "line two"], 320, 250, size=30, rotation=30)
    style = block.style.model_copy(update={"letter_spacing_px": 3.0, "align": "justify"})
    scene.nodes = [block.model_copy(update={"style": style})]
    layer = type_layers(PSDImage.open(export(scene, tmp_path / "rotated.psd")))[0]
    angle = math.radians(30)
    assert layer.transform == pytest.approx((math.cos(angle), -math.sin(angle), math.sin(angle),
                                             math.cos(angle), 320, 250))
    assert layer.text == "Tilted (a\\b)\rline two"
    assert int(style_data(layer)["Tracking"]) == 100  # 3 px of a 30 px em, in 1/1000 em
    properties = layer.engine_dict["ParagraphRun"]["RunArray"][0]["ParagraphSheet"]["Properties"]
    assert int(properties["Justification"]) == 3
    image, (left, top) = render_block(scene.nodes[0])
    assert layer.bbox == (left, top, left + image.width, top + image.height)


def test_blank_text_still_makes_a_type_layer(scene: Scene, tmp_path: Path) -> None:
    block = scene.texts[0]
    scene.nodes = [block.model_copy(update={"lines": [block.lines[0].model_copy(update={"text": " "})]})]
    layer = type_layers(PSDImage.open(export(scene, tmp_path / "blank.psd")))[0]
    assert layer.text == " "


def test_merged_image_matches_the_layers(scene: Scene, psd_path: Path) -> None:
    psd = PSDImage.open(psd_path)
    merged = np.asarray(psd.topil().convert("RGB"), np.float32)
    layers = np.asarray(psd.composite(force=True).convert("RGB"), np.float32)
    assert merged.shape == (scene.canvas.height, scene.canvas.width, 3)
    assert np.abs(merged - layers).mean() < 0.1
    assert np.abs(merged - layers).max() <= 2
    # the text shows in the merged image: the title's ink is dark on a light plate
    title = scene.texts[0]
    x0, y0, x1, y1 = (int(v) for v in (title.box.x0, title.box.y0, title.box.x1, title.box.y1))
    assert merged[y0:y1, x0:x1].min() < 64


def test_exports_are_byte_identical(scene: Scene, tmp_path: Path) -> None:
    first = export(scene, tmp_path / "a.psd").read_bytes()
    second = export(scene, tmp_path / "b.psd").read_bytes()
    assert first == second


def test_shape_layer_is_antialiased_fill_and_stroke() -> None:
    prov = Provenance(engine="test", confidence=1.0)
    card = Shape(id="s", name="card", shape="rect", box=Box(x0=10, y0=10, x1=60, y1=40), fill="#2050a0",
                 corner_radius=8, provenance=prov)
    layer = shape_layer(card)
    pixels = np.asarray(layer.image)
    cx, cy = 35 - layer.offset[0], 25 - layer.offset[1]
    assert tuple(pixels[cy, cx]) == (0x20, 0x50, 0xA0, 255)
    corner = pixels[10 - layer.offset[1], 10 - layer.offset[0]]
    assert corner[3] == 0  # rounded away
    alphas = set(np.unique(pixels[..., 3]))
    assert len(alphas - {0, 255}) > 0  # soft edges
    colours = pixels[pixels[..., 3] > 0][:, :3].astype(int)
    assert np.abs(colours - (0x20, 0x50, 0xA0)).max() <= 2  # no dark fringe at the soft edges

    ring = Shape(id="e", name="ring", shape="ellipse", box=Box(x0=0, y0=0, x1=40, y1=40), stroke="#ff0000",
                 stroke_width=4, provenance=prov)
    pixels = np.asarray(shape_layer(ring).image)
    middle = pixels.shape[0] // 2
    assert pixels[middle, middle, 3] == 0 and pixels[middle, 1:4, 3].max() == 255

    line = Shape(id="l", name="rule", shape="line", box=Box(x0=0, y0=20, x1=100, y1=20), stroke="#000000",
                 stroke_width=2, provenance=prov)
    layer = shape_layer(line)
    alpha = np.asarray(layer.image)[..., 3]
    assert alpha[20 - layer.offset[1], 50 - layer.offset[0]] == 255
    assert alpha.sum(axis=0)[50 - layer.offset[0]] == pytest.approx(2 * 255, abs=30)


@pytest.mark.skipif(shutil.which("node") is None or not (AG_PSD / "ag-psd").is_dir(),
                    reason="node or ag-psd not installed")
def test_ag_psd_reads_the_text(scene: Scene, psd_path: Path) -> None:
    script = (
        "const { readPsd } = require('ag-psd');"
        "const psd = readPsd(require('fs').readFileSync(process.argv[1]),"
        " { skipCompositeImageData: true, skipLayerImageData: true, skipThumbnail: true });"
        "console.log(JSON.stringify(psd.children.filter(l => l.text).map(l => ({"
        " name: l.name, text: l.text.text, font: l.text.style.font.name, size: l.text.style.fontSize,"
        " color: l.text.style.fillColor, justification: l.text.paragraphStyle.justification }))));"
    )
    result = subprocess.run(["node", "-e", script, str(psd_path)], capture_output=True, text=True, check=True,
                            env={"NODE_PATH": str(AG_PSD), "PATH": "/usr/bin:/bin:/usr/local/bin"})
    layers = json.loads(result.stdout)
    assert len(layers) == len(scene.texts)
    for layer, block in zip(layers, scene.texts):
        assert layer["name"] == block.name
        assert layer["text"] == block.text
        assert layer["font"] == block.style.font_postscript
        assert layer["size"] == pytest.approx(block.style.size_px)
        assert [round(layer["color"][c]) for c in "rgb"] == list(hex_to_rgb(block.style.color))
        assert layer["justification"] == block.style.align


@pytest.mark.skipif(shutil.which("convert") is None, reason="ImageMagick not installed")
def test_imagemagick_reads_the_merged_image(psd_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "merged.png"
    subprocess.run(["convert", f"{psd_path}[0]", str(out)], check=True, capture_output=True)
    expected = np.asarray(PSDImage.open(psd_path).topil().convert("RGB"))
    assert np.array_equal(np.asarray(Image.open(out).convert("RGB")), expected)
