"""The PPTX exporter: slide geometry, pictures, native shapes, live text and where LibreOffice draws it."""

from __future__ import annotations

import io
import math
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from conftest import text_block
from inkcheck import ink_errors, ink_scene
from PIL import Image
from pptx import Presentation
from pptx.enum.dml import MSO_FILL
from pptx.enum.shapes import MSO_SHAPE, MSO_SHAPE_TYPE
from pptx.enum.text import MSO_AUTO_SIZE, PP_ALIGN
from pptx.oxml.ns import qn

from layerize import export
from layerize.fonts import catalogue
from layerize.scene import Background, Gradient, Scene, TextBlock, TextRun, TextShadow, TextStroke

SLIDE_LONG_SIDE = 12_192_000
EMU_PER_PX = SLIDE_LONG_SIDE / 640  # the fixture's canvas is 640 x 400
ALIGN = {"left": PP_ALIGN.LEFT, "center": PP_ALIGN.CENTER, "right": PP_ALIGN.RIGHT}
CJK_FAMILY = "Droid Sans Fallback"
needs_libreoffice = pytest.mark.skipif(not (shutil.which("soffice") and shutil.which("pdftoppm")),
                                       reason="needs LibreOffice and pdftoppm")


def write(scene: Scene, path: Path) -> Presentation:
    export(scene, path)
    return Presentation(str(path))


def shapes_by_name(prs: Presentation) -> dict:
    return {shape.name: shape for shape in prs.slides[0].shapes}


def px(emu: int) -> float:
    return emu / EMU_PER_PX


def test_slide_has_the_canvas_aspect_ratio(scene: Scene, tmp_path: Path) -> None:
    prs = write(scene, tmp_path / "a.pptx")
    assert prs.slide_width == SLIDE_LONG_SIDE
    assert prs.slide_height == round(400 * EMU_PER_PX)
    assert len(prs.slides) == 1


def test_background_picture_covers_the_slide_at_the_bottom(scene: Scene, tmp_path: Path) -> None:
    prs = write(scene, tmp_path / "a.pptx")
    plate = prs.slides[0].shapes[0]
    assert plate.shape_type == MSO_SHAPE_TYPE.PICTURE and plate.name == "Background"
    assert (plate.left, plate.top, plate.width, plate.height) == (0, 0, prs.slide_width, prs.slide_height)
    assert Image.open(io.BytesIO(plate.image.blob)).size == (640, 400)


def test_object_is_a_picture_with_alpha_at_its_box(scene: Scene, tmp_path: Path) -> None:
    pic = shapes_by_name(write(scene, tmp_path / "a.pptx"))["Product"]
    assert pic.shape_type == MSO_SHAPE_TYPE.PICTURE
    assert (px(pic.left), px(pic.top), px(pic.width), px(pic.height)) == pytest.approx((420, 40, 120, 120), abs=0.01)
    image = Image.open(io.BytesIO(pic.image.blob))
    assert image.mode == "RGBA"
    assert image.getpixel((0, 0))[3] == 0 and image.getpixel((60, 60)) == (200, 40, 40, 255)


def test_shapes_are_native_autoshapes(scene_with_shapes: Scene, tmp_path: Path) -> None:
    shapes = shapes_by_name(write(scene_with_shapes, tmp_path / "a.pptx"))
    card = shapes["Shape: card"]
    assert card.auto_shape_type == MSO_SHAPE.ROUNDED_RECTANGLE
    assert card.adjustments[0] == pytest.approx(12 / 140, abs=1e-4)
    assert str(card.fill.fore_color.rgb) == "2050A0"
    assert (px(card.left), px(card.top), px(card.width), px(card.height)) == pytest.approx(
        (380, 220, 220, 140), abs=0.01)
    dot = shapes["Dot"]
    assert dot.auto_shape_type == MSO_SHAPE.OVAL
    assert str(dot.fill.fore_color.rgb) == "00FF00" and str(dot.line.color.rgb) == "000000"
    assert px(dot.line.width) == pytest.approx(2, abs=0.01)
    rule = shapes["Rule"]
    assert rule.shape_type == MSO_SHAPE_TYPE.LINE
    assert (px(rule.begin_x), px(rule.begin_y), px(rule.end_x), px(rule.end_y)) == pytest.approx(
        (20, 382, 620, 382), abs=0.01)
    assert str(rule.line.color.rgb) == "FF0000" and px(rule.line.width) == pytest.approx(4, abs=0.01)
    assert card._element.find("{http://schemas.openxmlformats.org/presentationml/2006/main}style") is None


def test_every_block_is_one_live_text_box(scene: Scene, tmp_path: Path) -> None:
    shapes = shapes_by_name(write(scene, tmp_path / "a.pptx"))
    for block in scene.texts:
        box = shapes[block.layer_name]
        frame = box.text_frame
        assert frame.text == block.text
        assert len(frame.paragraphs) == len(block.lines)
        assert frame.auto_size == MSO_AUTO_SIZE.NONE and frame.word_wrap is False
        assert (frame.margin_left, frame.margin_top, frame.margin_right, frame.margin_bottom) == (0, 0, 0, 0)
        for para in frame.paragraphs:
            assert para.alignment == ALIGN[block.style.align]
            assert px(para.line_spacing) == pytest.approx(block.style.line_height_px, abs=0.01)
            font = para.runs[0].font
            assert px(font.size) == pytest.approx(block.style.size_px, abs=0.01)
            assert font.name == block.style.font_family
            assert font.bold == (block.style.weight >= 600)
            assert str(font.color.rgb) == block.style.color[1:].upper()


def anchor_of(box, block: TextBlock) -> tuple[float, float]:
    """Where the block's anchor lands: its point in the box's own frame, turned with the box."""
    size, line_height = block.style.size_px, block.style.line_height_px
    width, height = px(box.width), px(box.height)
    along = {"left": 0.0, "center": 0.5, "right": 1.0}[block.style.align]
    if block.orientation == "vertical":  # the first column's middle, 0.4 em right of a baseline lh - 0.2 em in
        local_x, local_y = width - (line_height - 0.6 * size), along * height
    else:  # the first baseline below the box top
        local_x, local_y = along * width, line_height - 0.2 * size
    cx, cy = px(box.left) + width / 2, px(box.top) + height / 2
    dx, dy = local_x - width / 2, local_y - height / 2
    a = math.radians(-box.rotation)  # PPTX turns clockwise
    return cx + dx * math.cos(a) + dy * math.sin(a), cy - dx * math.sin(a) + dy * math.cos(a)


def vertical(block: TextBlock) -> TextBlock:
    return block.model_copy(update={"orientation": "vertical"})


def test_text_boxes_put_the_anchor_on_the_first_baseline(scene: Scene, tmp_path: Path) -> None:
    rotated = text_block("text-rot", ["Tilted", "two"], 60, 330, size=26, align="center", rotation=30)
    scene = scene.model_copy(update={"nodes": scene.nodes + [rotated]})
    shapes = shapes_by_name(write(scene, tmp_path / "a.pptx"))
    for block in scene.texts:
        box = shapes[block.layer_name]
        assert box.rotation == pytest.approx(-block.rotation % 360)
        assert anchor_of(box, block) == pytest.approx((block.x, block.baseline), abs=0.01)
    assert shapes[rotated.layer_name].rotation == pytest.approx(330)


def test_vertical_text_is_an_east_asian_vertical_box(scene: Scene, tmp_path: Path) -> None:
    blocks = [vertical(text_block("text-v", ["縦書き", "二列"], 300, 40, size=30, align="center")),
              vertical(text_block("text-vr", ["右寄せ"], 500, 60, size=30, align="right", rotation=25))]
    shapes = shapes_by_name(write(scene.model_copy(update={"nodes": blocks}), tmp_path / "a.pptx"))
    for block in blocks:
        box = shapes[block.layer_name]
        assert box.text_frame._txBody.bodyPr.get("vert") == "eaVert"
        assert [p.alignment for p in box.text_frame.paragraphs] == [ALIGN[block.style.align]] * len(block.lines)
        assert px(box.width) == pytest.approx(block.style.line_height_px * len(block.lines), abs=0.01)
        assert px(box.height) == pytest.approx(3 * block.style.size_px, abs=0.01)  # the longest column, one em a char
        assert box.rotation == pytest.approx(-block.rotation % 360)
        assert anchor_of(box, block) == pytest.approx((block.x, block.baseline), abs=0.01)


def test_text_effects_are_run_properties(scene: Scene, tmp_path: Path) -> None:
    block = text_block("text-fx", ["Effects", "two"], 60, 120, size=40, weight=700, rotation=15)
    block = block.model_copy(update={"style": block.style.model_copy(update={
        "gradient": Gradient(start="#ffff00", end="#00a000", angle=120),
        "stroke": TextStroke(color="#000080", width_px=3),
        "shadow": TextShadow(color="#800000", opacity=0.6, dx=-5, dy=7, blur_px=3)})})
    box = shapes_by_name(write(scene.model_copy(update={"nodes": [block]}), tmp_path / "a.pptx"))[block.layer_name]
    for para in box.text_frame.paragraphs:
        run = para.runs[0]
        rpr = run._r.rPr
        assert [child.tag for child in rpr] == [qn(t) for t in ("a:ln", "a:gradFill", "a:effectLst", "a:latin",
                                                                  "a:ea", "a:cs")]
        (line,) = rpr.xpath("a:ln")
        assert px(int(line.get("w"))) == pytest.approx(2 * 3, abs=0.01)  # centred on the edge: 3 px outside
        assert rpr.xpath("a:ln/a:solidFill/a:srgbClr/@val") == ["000080"] and rpr.xpath("a:ln/a:round")
        fill = run.font.fill
        assert fill.type == MSO_FILL.GRADIENT and fill.gradient_angle == pytest.approx(240)  # counter-clockwise
        assert [(stop.position, str(stop.color.rgb)) for stop in fill.gradient_stops] == [
            (0.0, "FFFF00"), (1.0, "00A000")]
        (lin,) = rpr.xpath("a:gradFill/a:lin")
        assert (lin.get("ang"), lin.get("scaled")) == ("7200000", "0")
        (shadow,) = rpr.xpath("a:effectLst/a:outerShdw")
        assert px(int(shadow.get("blurRad"))) == pytest.approx(6, abs=0.01)
        assert px(int(shadow.get("dist"))) == pytest.approx(math.hypot(5, 7), abs=0.01)
        assert int(shadow.get("dir")) == pytest.approx(math.degrees(math.atan2(7, -5)) * 60000, abs=1)
        assert (shadow.get("algn"), shadow.get("rotWithShape")) == ("tl", "0")
        assert rpr.xpath("a:effectLst/a:outerShdw/a:srgbClr/@val") == ["800000"]
        assert rpr.xpath("a:effectLst/a:outerShdw/a:srgbClr/a:alpha/@val") == ["60000"]
        assert rpr.xpath("a:ea/@typeface") == rpr.xpath("a:cs/@typeface") == [block.style.font_family]


def test_output_is_byte_stable(scene: Scene, tmp_path: Path) -> None:
    export(scene, tmp_path / "a.pptx")
    export(scene, tmp_path / "b.pptx")
    assert (tmp_path / "a.pptx").read_bytes() == (tmp_path / "b.pptx").read_bytes()
    with zipfile.ZipFile(tmp_path / "a.pptx") as z:
        assert {info.date_time for info in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def libreoffice_render(scene: Scene, tmp_path: Path) -> Image.Image:
    """The scene's deck as LibreOffice draws it, at one pixel per canvas pixel."""
    export(scene, tmp_path / "deck.pptx")
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(tmp_path / "deck.pptx")],
                   check=True, capture_output=True, timeout=180)
    subprocess.run(["pdftoppm", "-png", "-singlefile", "-scale-to-x", "640", "-scale-to-y", "400",
                    str(tmp_path / "deck.pdf"), str(tmp_path / "deck")], check=True, timeout=60)
    return Image.open(tmp_path / "deck.png")


@needs_libreoffice
def test_libreoffice_draws_the_text_where_render_block_does(scene: Scene, tmp_path: Path) -> None:
    check = ink_scene(scene)
    errors = ink_errors(libreoffice_render(check, tmp_path), check.texts)
    assert all(abs(e) <= 2 for edges in errors.values() for e in edges), errors


@needs_libreoffice
@pytest.mark.skipif(catalogue().find(CJK_FAMILY) is None, reason=f"needs the {CJK_FAMILY} font")
def test_libreoffice_draws_vertical_columns_where_render_block_does(scene: Scene, tmp_path: Path) -> None:
    columns = [("v-top", 100, 40, "left"), ("v-middle", 300, 200, "center"), ("v-bottom", 500, 360, "right")]
    blocks = [vertical(text_block(id, ["中文字体", "縦書き"], x, top, size=36, family=CJK_FAMILY, color="#000000",
                                  align=align)) for id, x, top, align in columns]
    plate = Image.new("RGB", (scene.canvas.width, scene.canvas.height), (255, 255, 255))
    check = scene.model_copy(update={"nodes": blocks, "background": Background(
        image=plate, provenance=scene.background.provenance)})
    errors = ink_errors(libreoffice_render(check, tmp_path), blocks)
    # LibreOffice 7.4 turns the characters of eaVert columns sideways; their ink still lands within 4 px
    assert all(abs(e) <= 4 for edges in errors.values() for e in edges), errors


def test_style_runs_are_runs_and_justify_is_justified(scene: Scene, tmp_path: Path) -> None:
    block = text_block("text-runs", ["Only $9 today"], 40, 90, size=40)
    runs = [TextRun(text="Only "), TextRun(text="$9", color="#d02020", weight=700, italic=True),
            TextRun(text=" today")]
    block = block.model_copy(update={"lines": [block.lines[0].model_copy(update={"runs": runs})]})
    justified = text_block("text-justify", ["Set justified", "in two lines"], 40, 200, size=30)
    justified = justified.model_copy(update={"style": justified.style.model_copy(update={"align": "justify"})})
    shapes = shapes_by_name(write(scene.model_copy(update={"nodes": [block, justified]}), tmp_path / "a.pptx"))
    (para,) = shapes[block.layer_name].text_frame.paragraphs
    assert [(r.text, str(r.font.color.rgb), r.font.bold, r.font.italic) for r in para.runs] == [
        ("Only ", "1A2B3C", False, False), ("$9", "D02020", True, True), (" today", "1A2B3C", False, False)]
    assert [p.alignment for p in shapes[justified.layer_name].text_frame.paragraphs] == [PP_ALIGN.JUSTIFY] * 2


def test_a_narrow_canvas_gets_a_slide_at_least_an_inch_high(scene: Scene, tmp_path: Path) -> None:
    plate = Image.new("RGB", (1280, 64), (255, 255, 255))  # 20:1: 13.3 in by 0.67 in at the usual scale
    banner = scene.model_copy(update={"canvas": scene.canvas.model_copy(update={"width": 1280, "height": 64}),
                                      "nodes": [], "background": Background(
                                          image=plate, provenance=scene.background.provenance)})
    prs = write(banner, tmp_path / "banner.pptx")
    assert (prs.slide_width, prs.slide_height) == (20 * 914400, 914400)  # PowerPoint's one-inch minimum


def test_text_smaller_than_a_point_is_set_at_one_point(scene: Scene, tmp_path: Path) -> None:
    """A 1 px label on a wide slide is under DrawingML's 1-point minimum: it is set at 1 pt, not a crash."""
    tiny = scene.texts[0].model_copy(update={"style": scene.texts[0].style.model_copy(update={"size_px": 0.5})})
    deck = write(scene.model_copy(update={"nodes": [tiny]}), tmp_path / "tiny.pptx")
    (box,) = [s for s in deck.slides[0].shapes if s.has_text_frame]
    assert box.text_frame.paragraphs[0].runs[0].font.size.pt == 1.0
