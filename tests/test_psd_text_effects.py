"""The PSD exporter's text effects (layer effects) and vertical text, read by psd-tools and ag-psd."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from conftest import text_block
from layerize_exporters.psd.effects import without_effects
from PIL import Image
from psd_tools import PSDImage
from psd_tools.constants import BlendMode, GradientType, StrokeFillType, StrokePosition, Tag, WritingDirection
from psdread import gray, needs_ag_psd, read_with_ag_psd, style_runs, type_layers

from layerize import export
from layerize.primitives.color import hex_to_rgb
from layerize.render import render_block
from layerize.scene import Gradient, Scene, TextBlock, TextShadow, TextStroke


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
