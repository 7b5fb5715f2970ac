"""Conformance: every registered exporter's file, read back by independent readers, holds every feature of
the feature scene that the exporter does not declare in ``cannot_carry`` (see layerize.export.conformance)."""

from __future__ import annotations

import base64
import io
import logging
import math
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
import resvg_py
from layerize_exporters.psd import REFERENCE_NAME
from lxml import etree
from PIL import Image
from pptx import Presentation
from pptx.enum.dml import MSO_FILL
from pptx.enum.shapes import MSO_SHAPE, MSO_SHAPE_TYPE
from pptx.enum.text import PP_ALIGN
from psd_tools import PSDImage
from psd_tools.constants import Tag
from psdread import HAS_AG_PSD, read_with_ag_psd

from layerize.export.conformance import (
    FileContent,
    PictureContent,
    RunContent,
    ShapeContent,
    TextContent,
    conformance_problems,
    feature_scene,
)
from layerize.fonts import catalogue
from layerize.registry import EXPORTERS
from layerize.scene import FEATURES, Scene, Shape

HAS_LIBREOFFICE = bool(shutil.which("soffice") and shutil.which("pdftoppm"))
EMU_PER_POINT = 12700
SVG = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
NAMED_FORMATS = ("psd", "pptx")  # SVG elements are named by node id only


def hex_color(r: float, g: float, b: float) -> str:
    return "#{:02x}{:02x}{:02x}".format(*(round(v) for v in (r, g, b)))


def soft(image: Image.Image) -> bool:
    """Whether some pixels of the picture are not fully opaque."""
    return image.mode in ("RGBA", "LA") and image.getchannel("A").getextrema()[0] < 255


# ----------------------------------------------------------------------------- PSD: psd-tools and ag-psd

AG_TEXT = ("l => ({ name: l.name, effects: l.effects || null, text: l.text && { text: l.text.text,"
           " transform: l.text.transform, orientation: l.text.orientation, style: l.text.style,"
           " runs: l.text.styleRuns || null, justification: (l.text.paragraphStyle || {}).justification } })")


def psd_runs(text: dict) -> list[RunContent]:
    """ag-psd's style runs (each the differences from the text's style), weight and slant from the face."""
    faces = {face.postscript: face for face in catalogue().faces}
    runs, at = [], 0
    for run in text["runs"] or [{"length": len(text["text"]), "style": {}}]:
        style = {**text["style"], **run["style"]}
        face = faces.get(style["font"]["name"])
        weight = face.weight if face else None
        if style.get("fauxBold"):
            weight = max(weight or 400, 700)
        color = style["fillColor"]
        runs.append(RunContent(text["text"][at:at + run["length"]], hex_color(color["r"], color["g"], color["b"]),
                               weight=weight, italic=bool(face and face.italic) or bool(style.get("fauxItalic"))))
        at += run["length"]
    return runs


def psd_text(name: str, ag: dict) -> TextContent:
    text, effects = ag["text"], ag["effects"] or {}
    xx, xy = text["transform"][:2]
    style = {**text["style"], **((text["runs"] or [{}])[0].get("style") or {})}
    justification = text["justification"] or "left"

    def effect_color(key: str) -> str | None:
        return hex_color(*(effects[key][0]["color"][c] for c in "rgb")) if effects.get(key) else None

    stops = effects["gradientOverlay"][0]["gradient"]["colorStops"] if effects.get("gradientOverlay") else None
    return TextContent(
        name, text["text"], psd_runs(text), rotation=math.degrees(math.atan2(-xy, xx)),
        orientation=text["orientation"], align="justify" if justification.startswith("justify") else justification,
        letter_spacing_px=style.get("tracking", 0) / 1000 * style["fontSize"], stroke=effect_color("stroke"),
        shadow=effect_color("dropShadow"),
        gradient=stops and (hex_color(*(stops[0]["color"][c] for c in "rgb")),
                            hex_color(*(stops[-1]["color"][c] for c in "rgb"))))


def psd_kind(layer) -> str:
    """The shape a vector mask outlines: a path when it has several subpaths (holes), else what its one
    subpath's corners or Bézier quarters draw."""
    if len(layer.vector_mask.paths) > 1:
        return "path"
    knots = list(layer.vector_mask.paths[0])
    smooth = any(k.preceding != k.anchor or k.leaving != k.anchor for k in knots)
    if smooth:
        return {4: "ellipse", 8: "rounded"}.get(len(knots), "path")
    ys, xs = {round(k.anchor[0], 6) for k in knots}, {round(k.anchor[1], 6) for k in knots}
    return "rect" if len(knots) == 4 and len(xs) == len(ys) == 2 else "polygon"


def psd_paint(layer) -> tuple[str | None, tuple[str, str] | None]:
    """A shape layer's solid colour (``SoCo``) or gradient ends (``GdFl``)."""
    solid = layer.tagged_blocks.get_data(Tag.SOLID_COLOR_SHEET_SETTING)
    if solid is not None:
        return hex_color(*(float(solid[b"Clr "][k]) for k in (b"Rd  ", b"Grn ", b"Bl  "))), None
    stops = layer.tagged_blocks.get_data(Tag.GRADIENT_FILL_SETTING)[b"Grad"][b"Clrs"]
    ends = [hex_color(*(float(stop[b"Clr "][k]) for k in (b"Rd  ", b"Grn ", b"Bl  "))) for stop in stops]
    return None, (ends[0], ends[-1])


def read_psd(path: Path, render: bool = True) -> FileContent:
    """psd-tools for the layers, shapes and pictures (and its own composite), ag-psd for the type layers.

    A stroke is a ring-shaped layer (outline minus inner outline) above its fill, named ``… (stroke)``.
    """
    if not HAS_AG_PSD:
        pytest.skip("node or ag-psd not installed: the type layers cannot be read")
    psd = PSDImage.open(path)
    leaves = [layer for layer in psd.descendants() if not layer.is_group()]
    ag_layers = read_with_ag_psd(path, AG_TEXT)
    assert [layer["name"] for layer in ag_layers] == [layer.name for layer in leaves]
    content = FileContent(order=[layer.name for layer in leaves])
    shapes: dict[str, ShapeContent] = {}
    for layer, ag in zip(leaves, ag_layers):
        if layer.kind == "type":
            content.texts.append(psd_text(layer.name, ag))
        elif layer.kind == "shape":
            fill, gradient = psd_paint(layer)
            if layer.name.endswith(" (stroke)"):
                assert [subpath.operation for subpath in layer.vector_mask.paths] in ([1, 2], [1] * len(
                    layer.vector_mask.paths))  # a ring, or dashes
                base = layer.name.removesuffix(" (stroke)")
                shapes[base].stroke = fill
            else:
                shapes[layer.name] = ShapeContent(layer.name, psd_kind(layer), fill, gradient)
        elif layer.name not in ("Background", REFERENCE_NAME):
            content.pictures.append(PictureContent(layer.name, soft(layer.topil())))
    content.shapes = list(shapes.values())
    if render:
        content.render = psd.composite(force=True).convert("RGB")
    return content


# ----------------------------------------------------------------------------- PPTX: python-pptx and LibreOffice

PPTX_ALIGN = {PP_ALIGN.LEFT: "left", PP_ALIGN.CENTER: "center", PP_ALIGN.RIGHT: "right", PP_ALIGN.JUSTIFY: "justify"}
PPTX_KINDS = {MSO_SHAPE.RECTANGLE: "rect", MSO_SHAPE.ROUNDED_RECTANGLE: "rounded", MSO_SHAPE.OVAL: "ellipse"}


def pptx_fill(fill) -> tuple[str | None, tuple[str, str] | None]:
    if fill.type == MSO_FILL.SOLID:
        return "#" + str(fill.fore_color.rgb).lower(), None
    if fill.type == MSO_FILL.GRADIENT:
        stops = fill.gradient_stops
        return None, ("#" + str(stops[0].color.rgb).lower(), "#" + str(stops[-1].color.rgb).lower())
    return None, None


def pptx_text(shape, px_per_point: float) -> TextContent:
    runs = [r for p in shape.text_frame.paragraphs for r in p.runs]
    described = [RunContent(r.text, pptx_fill(r.font.fill)[0], bold=bool(r.font.bold), italic=bool(r.font.italic))
                 for r in runs]
    rpr = runs[0]._r.rPr

    def first(xpath: str) -> str | None:
        found = rpr.xpath(xpath)
        return "#" + found[0].lower() if found else None

    vertical = shape.text_frame._txBody.bodyPr.get("vert") == "eaVert"
    return TextContent(
        shape.name, shape.text_frame.text, described, rotation=(-shape.rotation + 180) % 360 - 180,
        orientation="vertical" if vertical else "horizontal",
        align=PPTX_ALIGN.get(shape.text_frame.paragraphs[0].alignment),
        letter_spacing_px=int(rpr.get("spc", "0")) / 100 * px_per_point,
        stroke=first("a:ln/a:solidFill/a:srgbClr/@val"), shadow=first("a:effectLst/a:outerShdw/a:srgbClr/@val"),
        gradient=pptx_fill(runs[0].font.fill)[1])


def libreoffice_render(path: Path, size: tuple[int, int]) -> Image.Image:
    """The deck as LibreOffice draws it (through PDF), at ``size``."""
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        subprocess.run(["soffice", f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless",
                        "--convert-to", "pdf", "--outdir", str(folder), str(path)],
                       check=True, capture_output=True, timeout=300)
        subprocess.run(["pdftoppm", "-png", "-singlefile", "-scale-to-x", str(size[0]), "-scale-to-y", str(size[1]),
                        str(folder / (path.stem + ".pdf")), str(folder / "slide")], check=True, timeout=120)
        with Image.open(folder / "slide.png") as image:
            return image.convert("RGB")


def read_pptx(path: Path, render: bool = True) -> FileContent:
    """python-pptx for the slide's shapes bottom to top; LibreOffice draws it (when installed)."""
    prs = Presentation(str(path))
    shapes = list(prs.slides[0].shapes)
    canvas = Image.open(io.BytesIO(shapes[0].image.blob)).size  # the plate covers the slide at canvas size
    px_per_point = EMU_PER_POINT / (prs.slide_width / canvas[0])
    content = FileContent(order=[shape.name for shape in shapes])
    for shape in shapes[1:]:
        kind = shape.shape_type
        if kind == MSO_SHAPE_TYPE.TEXT_BOX:
            content.texts.append(pptx_text(shape, px_per_point))
        elif kind == MSO_SHAPE_TYPE.PICTURE:
            content.pictures.append(PictureContent(shape.name, soft(Image.open(io.BytesIO(shape.image.blob)))))
        else:
            line = "#" + str(shape.line.color.rgb).lower() if shape.line.fill.type == MSO_FILL.SOLID else None
            dashed = bool(shape._element.xpath("p:spPr/a:ln/a:custDash/a:ds | p:spPr/a:ln/a:prstDash"))
            if kind == MSO_SHAPE_TYPE.LINE:
                content.shapes.append(ShapeContent(shape.name, "line", stroke=line, dashed=dashed))
                continue
            if kind == MSO_SHAPE_TYPE.FREEFORM:
                name = "path" if shape._element.xpath(".//a:cubicBezTo") else "polygon"
            else:
                name = PPTX_KINDS.get(shape.auto_shape_type, "other")
            content.shapes.append(ShapeContent(shape.name, name, *pptx_fill(shape.fill), stroke=line, dashed=dashed))
    if render and HAS_LIBREOFFICE:
        content.render = libreoffice_render(path, canvas)
    return content


# ----------------------------------------------------------------------------- SVG: lxml and resvg

SVG_ALIGN = {"start": "left", "middle": "center", "end": "right"}
SVG_SHAPES = {f"{SVG}{tag}" for tag in ("rect", "ellipse", "line", "polygon", "path")}


def svg_paint(root: etree._Element, value: str | None) -> tuple[str | None, tuple[str, str] | None]:
    """A fill or stroke: a colour, or a ``url(#id)`` gradient's end colours."""
    if not value or value == "none":
        return None, None
    url = re.match(r"url\(#([^)]+)\)", value)
    if url is None:
        return value.lower(), None
    (gradient,) = root.xpath("//*[@id=$id]", id=url.group(1))
    stops = [stop.get("stop-color").lower() for stop in gradient]
    return None, (stops[0], stops[-1])


def svg_text(root: etree._Element, text: etree._Element) -> TextContent:
    def attr(element: etree._Element, name: str) -> str | None:
        return element.get(name) or text.get(name)

    runs, lines = [], text.findall(f"{SVG}tspan")
    for line in lines:
        for run in line.findall(f"{SVG}tspan") or [line]:
            runs.append(RunContent(run.text or "", svg_paint(root, attr(run, "fill"))[0],
                                   weight=int(attr(run, "font-weight")), italic=attr(run, "font-style") == "italic"))
    turn = re.match(r"rotate\((-?[\d.]+)", text.get("transform") or "")
    group = text.getparent()
    shadow = None
    if group.tag == f"{SVG}g" and group.get("filter"):
        (drop,) = root.xpath("//*[@id=$id]/*", id=group.get("filter")[5:-1])
        shadow = drop.get("flood-color").lower()
    return TextContent(
        text.get("id"), "\n".join("".join(line.itertext()) for line in lines), runs,
        rotation=-float(turn.group(1)) if turn else 0.0,
        orientation="vertical" if text.get("writing-mode") == "vertical-rl" else "horizontal",
        align=SVG_ALIGN[text.get("text-anchor", "start")], letter_spacing_px=float(text.get("letter-spacing", 0)),
        stroke=svg_paint(root, text.get("stroke"))[0], shadow=shadow,
        gradient=svg_paint(root, text.get("fill", "").split(" ")[0])[1])


def read_svg(path: Path, render: bool = True) -> FileContent:
    """lxml for the elements in document order (bottom to top); resvg draws the file."""
    root = etree.parse(str(path)).getroot()
    content = FileContent()
    for element in root.iter(f"{SVG}text", f"{SVG}image", *SVG_SHAPES):
        content.order.append(element.get("id"))
        if element.tag == f"{SVG}text":
            content.texts.append(svg_text(root, element))
        elif element.tag == f"{SVG}image" and element.get("id") != "background":
            data = base64.b64decode(element.get(XLINK_HREF).partition(",")[2])
            content.pictures.append(PictureContent(element.get("id"), soft(Image.open(io.BytesIO(data)))))
        elif element.tag in SVG_SHAPES:
            kind = element.tag[len(SVG):]
            if kind == "rect" and float(element.get("rx") or 0) > 0:
                kind = "rounded"
            fill, gradient = svg_paint(root, element.get("fill"))
            content.shapes.append(ShapeContent(element.get("id"), kind, fill, gradient,
                                               svg_paint(root, element.get("stroke"))[0],
                                               dashed=element.get("stroke-dasharray", "none") != "none"))
    if render:
        content.render = Image.open(io.BytesIO(bytes(resvg_py.svg_to_bytes(svg_path=str(path))))).convert("RGB")
    return content


# ----------------------------------------------------------------------------- the tests

READERS: dict[str, Callable[..., FileContent]] = {"psd": read_psd, "pptx": read_pptx, "svg": read_svg}
"""A reader per registered exporter: what an independent program finds in its file."""


@pytest.fixture(scope="module")
def features() -> Scene:
    return feature_scene()


@pytest.fixture(scope="module")
def exported(features: Scene, tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """The feature scene written once per format (on first use)."""
    folder, paths = tmp_path_factory.mktemp("conformance"), {}

    def path(name: str) -> Path:
        if name not in paths:
            paths[name] = features.export(folder / f"features.{EXPORTERS.create(name).extensions[0]}", name)
        return paths[name]

    return path


def reader_for(name: str) -> Callable[..., FileContent]:
    if name not in READERS:
        pytest.fail(f"exporter {name!r} has no conformance reader: add one to READERS in tests/test_conformance.py "
                    "(it fills a layerize.export.conformance.FileContent from the written file)")
    return READERS[name]


@pytest.mark.parametrize("name", EXPORTERS.names())
def test_the_file_holds_every_feature_not_declared(name: str, features: Scene, exported) -> None:
    content = reader_for(name)(exported(name))
    assert conformance_problems(features, content, EXPORTERS.create(name).cannot_carry) == []
    if content.render is None:
        pytest.skip("LibreOffice not installed: the structure was checked, the drawing was not")


def test_the_kit_finds_what_is_missing(features: Scene, exported) -> None:
    content = read_svg(exported("svg"), render=False)
    for text in content.texts:
        for run in text.runs:
            run.color, run.italic = "#202020", False
    content.shapes = [shape for shape in content.shapes if shape.name != "polygon"]
    content.order.reverse()
    problems = conformance_problems(features, content, {"text.justify": "left", "text.bogus": "?"})
    for expected in ("cannot_carry: unknown feature 'text.bogus'", "text.run_color (text-runs)",
                     "text.run_italic (text-runs)", "text.italic (text-italic)", "shape (polygon)",
                     "order.text_under_object (text-under)"):
        assert any(problem.startswith(expected) for problem in problems), (expected, problems)
    assert not any("text.justify" in problem for problem in problems)


def test_the_kit_sees_a_solid_stroke_where_a_dashed_one_should_be(features: Scene, tmp_path: Path) -> None:
    solid = features.model_copy(update={"nodes": [
        node.model_copy(update={"dash": None}) if isinstance(node, Shape) else node for node in features.nodes]})
    problems = conformance_problems(features, read_svg(solid.export(tmp_path / "solid.svg")), {})
    for shape in ("dashed-line", "dashed-frame"):
        found = [problem for problem in problems if problem.startswith(f"shape.dash ({shape})")]
        assert any("solid in the file" in p for p in found) and any("dashes drawn" in p for p in found), problems


@pytest.mark.parametrize("name", NAMED_FORMATS)
def test_layer_names_follow_the_text_unless_a_user_named_it(name: str, tmp_path: Path) -> None:
    scene = feature_scene()
    title = next(block for block in scene.texts if block.role == "title" and not block.name)
    mine = next(block for block in scene.texts if block.name)
    title.lines[0].text = "Fresh Tea"
    mine.lines[0].text = "Our pledge"
    path = scene.export(tmp_path / f"renamed.{name}")
    names = {text.name for text in reader_for(name)(path, render=False).texts}
    assert title.layer_name == "Title: Fresh Tea" and title.layer_name in names
    assert mine.layer_name == "Promise (mine)" and mine.layer_name in names


@pytest.mark.parametrize("name", EXPORTERS.names())
def test_a_declared_loss_is_one_warning_per_output(name: str, features: Scene, tmp_path: Path,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    exporter = EXPORTERS.create(name)
    lost = [feature for feature in features.features() if feature in exporter.cannot_carry]
    path = tmp_path / f"out.{exporter.extensions[0]}"
    with caplog.at_level(logging.WARNING, logger="layerize"):
        features.export(path, name)
    warnings = [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING]
    if not lost:
        assert warnings == []
        return
    assert len(warnings) == 1, warnings
    assert str(path) in warnings[0] and all(FEATURES[feature] in warnings[0] for feature in lost), warnings[0]
