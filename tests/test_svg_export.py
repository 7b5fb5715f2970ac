"""The SVG exporter: canvas, embedded pictures, native shapes, live text and where resvg draws it."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import numpy as np
import pytest
from conftest import text_block
from inkcheck import ink_errors, ink_scene
from lxml import etree
from PIL import Image, ImageFilter

from layerize import export
from layerize.fonts import catalogue
from layerize.render import gradient_points, ink_box, render_block
from layerize.scene import Background, Gradient, Scene, TextBlock, TextRun, TextShadow, TextStroke

SVG = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
CJK_FAMILY = "Droid Sans Fallback"  # resvg turns Latin letters sideways in vertical text, so columns are tested in CJK
needs_cjk = pytest.mark.skipif(catalogue().find(CJK_FAMILY) is None, reason=f"needs the {CJK_FAMILY} font")


def write(scene: Scene, path: Path) -> etree._Element:
    export(scene, path)
    return etree.parse(str(path)).getroot()


def by_id(root: etree._Element, id: str) -> etree._Element:
    (element,) = root.xpath("//*[@id=$id]", id=id)
    return element


def data_uri_image(element: etree._Element) -> Image.Image:
    href = element.get(XLINK_HREF)
    assert href.startswith("data:image/png;base64,")
    return Image.open(io.BytesIO(base64.b64decode(href.partition(",")[2])))


def test_document_is_the_canvas(scene: Scene, tmp_path: Path) -> None:
    root = write(scene, tmp_path / "a.svg")
    assert (root.get("width"), root.get("height"), root.get("viewBox")) == ("640", "400", "0 0 640 400")


def test_background_and_object_are_embedded_pngs(scene: Scene, tmp_path: Path) -> None:
    root = write(scene, tmp_path / "a.svg")
    images = root.findall(f"{SVG}image")
    assert images[0].get("id") == "background"
    assert [images[0].get(k) for k in ("x", "y", "width", "height")] == ["0", "0", "640", "400"]
    assert data_uri_image(images[0]).size == (640, 400)
    product = by_id(root, "object-1")
    assert [product.get(k) for k in ("x", "y", "width", "height")] == ["420", "40", "120", "120"]
    pixels = data_uri_image(product)
    assert pixels.mode == "RGBA" and pixels.getpixel((0, 0))[3] == 0


def test_shapes_are_native_elements(scene_with_shapes: Scene, tmp_path: Path) -> None:
    root = write(scene_with_shapes, tmp_path / "a.svg")
    card = by_id(root, "shape-1")
    assert card.tag == f"{SVG}rect"
    assert {k: card.get(k) for k in ("x", "y", "width", "height", "rx", "fill", "stroke")} == {
        "x": "380", "y": "220", "width": "220", "height": "140", "rx": "12", "fill": "#2050a0", "stroke": "none"}
    dot = by_id(root, "shape-2")
    assert dot.tag == f"{SVG}ellipse"
    assert [dot.get(k) for k in ("cx", "cy", "rx", "ry", "stroke-width")] == ["30", "20", "20", "10", "2"]
    rule = by_id(root, "shape-3")
    assert rule.tag == f"{SVG}line"
    assert [rule.get(k) for k in ("x1", "y1", "x2", "y2", "stroke", "stroke-width")] == [
        "20", "382", "620", "382", "#ff0000", "4"]


def test_every_block_is_one_text_element_with_a_tspan_per_line(scene: Scene, tmp_path: Path) -> None:
    root = write(scene, tmp_path / "a.svg")
    anchors = {"left": "start", "center": "middle", "right": "end"}
    for block in scene.texts:
        text = by_id(root, block.id)
        assert text.tag == f"{SVG}text" and text.get(XML_SPACE) == "preserve"
        style = block.style
        assert text.get("font-family") == f"'{style.font_family}', sans-serif"
        assert float(text.get("font-size")) == pytest.approx(style.size_px)
        assert text.get("fill") == style.color
        assert text.get("font-weight") == str(style.weight)
        assert text.get("font-style") == "normal"
        assert text.get("text-anchor") == anchors[style.align]
        assert text.get("transform") is None
        spans = text.findall(f"{SVG}tspan")
        assert [s.text for s in spans] == [line.text for line in block.lines]
        for i, span in enumerate(spans):
            assert float(span.get("x")) == pytest.approx(block.x, abs=1e-3)
            assert float(span.get("y")) == pytest.approx(block.baseline + i * style.line_height_px, abs=1e-3)


def test_rotation_turns_about_the_anchor(scene: Scene, tmp_path: Path) -> None:
    rotated = text_block("text-rot", ["Tilted"], 60, 330, size=26, family="Liberation Serif", rotation=30)
    root = write(scene.model_copy(update={"nodes": [rotated]}), tmp_path / "a.svg")
    text = by_id(root, "text-rot")
    assert text.get("transform") == "rotate(-30 60 330)"
    assert text.get("font-family") == "'Liberation Serif', serif"


def test_output_is_byte_stable(scene: Scene, tmp_path: Path) -> None:
    export(scene, tmp_path / "a.svg")
    export(scene, tmp_path / "b.svg")
    assert (tmp_path / "a.svg").read_bytes() == (tmp_path / "b.svg").read_bytes()


def test_resvg_draws_the_text_where_render_block_does(scene: Scene, tmp_path: Path) -> None:
    check = ink_scene(scene)
    export(check, tmp_path / "check.svg")
    errors = ink_errors(resvg_image(tmp_path / "check.svg"), check.texts)
    assert all(abs(e) <= 2 for edges in errors.values() for e in edges), errors


def styled(block: TextBlock, **update: object) -> TextBlock:
    return block.model_copy(update={"style": block.style.model_copy(update=update)})


def vertical(block: TextBlock) -> TextBlock:
    return block.model_copy(update={"orientation": "vertical"})


def on_white(scene: Scene, blocks: list[TextBlock]) -> Scene:
    """The scene's canvas with only ``blocks``, on a white plate."""
    plate = Image.new("RGB", (scene.canvas.width, scene.canvas.height), (255, 255, 255))
    return scene.model_copy(update={"nodes": blocks, "background": Background(
        image=plate, provenance=scene.background.provenance)})


def effects_scene(scene: Scene) -> Scene:
    """On a white plate: a stroked, a shadowed, a gradient-filled (rotated) and an all-effects (rotated) block."""
    return on_white(scene, [
        styled(text_block("text-stroke", ["Stroke"], 40, 90, size=56, weight=700, color="#ffffff"),
               stroke=TextStroke(color="#c00000", width_px=4)),
        styled(text_block("text-shadow", ["Shadow"], 340, 90, size=56, weight=700, color="#2040c0"),
               shadow=TextShadow(color="#000000", opacity=0.8, dx=6, dy=8, blur_px=2)),
        styled(text_block("text-gradient", ["Gradient"], 40, 220, size=64, weight=700, rotation=10),
               gradient=Gradient(start="#ff0000", end="#0000ff", angle=0)),
        styled(text_block("text-all", ["All three"], 340, 300, size=48, weight=700, rotation=-12),
               gradient=Gradient(start="#ffff00", end="#00a000", angle=90),
               stroke=TextStroke(color="#000080", width_px=3),
               shadow=TextShadow(color="#800000", opacity=0.6, dx=-5, dy=7, blur_px=3)),
    ])


def vertical_blocks() -> list[TextBlock]:
    """Two-column CJK blocks, top, middle and bottom aligned, one rotated."""
    columns = [("v-top", 100, 40, "left", 0.0), ("v-middle", 250, 200, "center", 0.0),
               ("v-bottom", 400, 360, "right", 0.0), ("v-rotated", 560, 80, "left", 20.0)]
    return [vertical(text_block(id, ["中文字体", "縦書き"], x, top, size=36, family=CJK_FAMILY, color="#000000",
                                align=align, rotation=rotation)) for id, x, top, align, rotation in columns]


def resvg_image(path: Path) -> Image.Image:
    """The SVG file as resvg draws it."""
    resvg_py = pytest.importorskip("resvg_py")
    return Image.open(io.BytesIO(bytes(resvg_py.svg_to_bytes(svg_path=str(path))))).convert("RGB")


def reference_pixels(scene: Scene) -> np.ndarray:
    """The scene's text blocks as ``render_block`` draws them, over its plate."""
    canvas = scene.background.image.convert("RGBA")
    for block in scene.texts:
        rendered = render_block(block)
        assert rendered is not None
        layer = Image.new("RGBA", canvas.size, (0, 0, 0, 0))
        layer.paste(*rendered)
        canvas = Image.alpha_composite(canvas, layer)
    return np.asarray(canvas.convert("RGB"), dtype=int)


def flat_ink(pixels: np.ndarray) -> np.ndarray:
    """Pixels off the white plate whose 3x3 neighbourhood varies by at most 24 per channel (no edges)."""
    spread = np.zeros(pixels.shape[:2], dtype=int)
    for channel in range(3):
        image = Image.fromarray(pixels[..., channel].astype(np.uint8))
        high = np.asarray(image.filter(ImageFilter.MaxFilter(3)), dtype=int)
        spread = np.maximum(spread, high - np.asarray(image.filter(ImageFilter.MinFilter(3)), dtype=int))
    return (spread <= 24) & (np.abs(pixels - 255).max(-1) > 16)


def ink_edges(pixels: np.ndarray, x0: int, y0: int, x1: int, y1: int) -> tuple[int, int, int, int]:
    """Box of the pixels off the white plate within a window."""
    ys, xs = np.nonzero(np.abs(pixels[y0:y1, x0:x1] - 255).max(-1) > 60)
    assert len(xs), f"no ink in {(x0, y0, x1, y1)}"
    return x0 + xs.min(), y0 + ys.min(), x0 + xs.max() + 1, y0 + ys.max() + 1


def test_text_effects_are_svg_paint_and_filters(scene: Scene, tmp_path: Path) -> None:
    check = effects_scene(scene)
    root = write(check, tmp_path / "a.svg")
    block = check.texts[-1]
    style = block.style
    text = by_id(root, block.id)
    assert {k: text.get(k) for k in ("stroke", "stroke-width", "stroke-linejoin", "paint-order")} == {
        "stroke": "#000080", "stroke-width": "6", "stroke-linejoin": "round", "paint-order": "stroke"}
    assert text.get("fill") == f"url(#{block.id}-gradient) {style.color}"
    assert text.get("transform") == "rotate(12 340 300)"
    gradient = by_id(root, f"{block.id}-gradient")
    assert gradient.tag == f"{SVG}linearGradient" and gradient.get("gradientUnits") == "userSpaceOnUse"
    # the gradient spans the ink box of the glyphs alone, in the text's own (unrotated) frame
    box = ink_box(styled(block, stroke=None, shadow=None).model_copy(update={"rotation": 0.0}))
    assert [float(gradient.get(k)) for k in ("x1", "y1", "x2", "y2")] == pytest.approx(
        gradient_points(box, style.gradient), abs=1e-3)
    assert [stop.get("stop-color") for stop in gradient] == ["#ffff00", "#00a000"]
    group = text.getparent()
    assert group.tag == f"{SVG}g" and group.get("transform") is None
    assert group.get("filter") == f"url(#{block.id}-shadow)"
    (shadow,) = by_id(root, f"{block.id}-shadow")
    assert shadow.tag == f"{SVG}feDropShadow"
    assert {k: shadow.get(k) for k in ("dx", "dy", "stdDeviation", "flood-color", "flood-opacity")} == {
        "dx": "-5", "dy": "7", "stdDeviation": "3", "flood-color": "#800000", "flood-opacity": "0.6"}
    plain = by_id(root, "text-stroke")
    assert plain.get("fill") == "#ffffff" and plain.getparent() is root
    export(check, tmp_path / "b.svg")
    assert (tmp_path / "a.svg").read_bytes() == (tmp_path / "b.svg").read_bytes()


def test_vertical_text_is_a_vertical_rl_column_per_line(scene: Scene, tmp_path: Path) -> None:
    block = vertical(text_block("text-v", ["縦書き", "二列"], 300, 40, size=30, align="center"))
    text = by_id(write(scene.model_copy(update={"nodes": [block]}), tmp_path / "a.svg"), "text-v")
    assert (text.get("writing-mode"), text.get("text-orientation"), text.get("text-anchor")) == (
        "vertical-rl", "upright", "middle")
    spans = text.findall(f"{SVG}tspan")
    assert [s.text for s in spans] == ["縦書き", "二列"]
    assert [(float(s.get("x")), float(s.get("y"))) for s in spans] == [(300, 40), (300 - 37.5, 40)]


def test_resvg_draws_text_effects_where_render_block_does(scene: Scene, tmp_path: Path) -> None:
    check = effects_scene(scene)
    export(check, tmp_path / "check.svg")
    got, want = np.asarray(resvg_image(tmp_path / "check.svg"), dtype=int), reference_pixels(check)
    settled = flat_ink(want)
    for block in check.texts:
        box = ink_box(block, shadow=True)
        assert box is not None
        x0, y0, x1, y1 = int(box.x0) - 8, int(box.y0) - 8, int(box.x1) + 8, int(box.y1) + 8
        edges = [g - w for g, w in zip(ink_edges(got, x0, y0, x1, y1), ink_edges(want, x0, y0, x1, y1))]
        assert all(abs(e) <= 2 for e in edges), (block.id, edges)
        # the stroke ring, the shadow and the gradient's colours, away from anti-aliased edges
        inside = np.zeros_like(settled)
        inside[y0:y1, x0:x1] = True
        close = np.abs(got - want).max(-1)[settled & inside] <= 32
        assert close.mean() >= 0.97, (block.id, close.mean())


@needs_cjk
def test_resvg_draws_vertical_text_where_render_block_does(scene: Scene, tmp_path: Path) -> None:
    check = on_white(scene, vertical_blocks())
    export(check, tmp_path / "check.svg")
    errors = ink_errors(resvg_image(tmp_path / "check.svg"), check.texts)
    assert all(abs(e) <= 2 for edges in errors.values() for e in edges), errors


def test_style_runs_are_nested_tspans_with_what_differs(scene: Scene, tmp_path: Path) -> None:
    block = text_block("text-runs", ["Only $9 today"], 40, 90, size=40)
    runs = [TextRun(text="Only "), TextRun(text="$9", color="#d02020", weight=700, italic=True),
            TextRun(text=" today")]
    block = block.model_copy(update={"lines": [block.lines[0].model_copy(update={"runs": runs})]})
    text = by_id(write(scene.model_copy(update={"nodes": [block]}), tmp_path / "a.svg"), "text-runs")
    (line,) = text.findall(f"{SVG}tspan")
    assert (line.get("x"), line.get("y"), line.text) == ("40", "90", None)
    assert [(span.text, dict(span.attrib)) for span in line] == [
        ("Only ", {}), ("$9", {"fill": "#d02020", "font-weight": "700", "font-style": "italic"}), (" today", {})]
