"""The SVG exporter: canvas, embedded pictures, native shapes, live text and where resvg draws it."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest
from conftest import text_block
from inkcheck import ink_errors, ink_scene
from lxml import etree
from PIL import Image

from layerize import export
from layerize.scene import Scene

SVG = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


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
    resvg_py = pytest.importorskip("resvg_py")
    check = ink_scene(scene)
    export(check, tmp_path / "check.svg")
    rendered = Image.open(io.BytesIO(bytes(resvg_py.svg_to_bytes(svg_path=str(tmp_path / "check.svg")))))
    errors = ink_errors(rendered, check.texts)
    assert all(abs(e) <= 2 for edges in errors.values() for e in edges), errors
