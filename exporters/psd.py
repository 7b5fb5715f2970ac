"""PSD export: the plate, objects and shapes as pixel layers, text as live type layers.

psd-tools writes the layers but cannot create type layers, so each text block
becomes a pixel layer holding its rendered pixels (what a reader without a text
engine shows) plus a ``TySh`` block (what Photoshop, psd-tools and ag-psd read
as live text). The text origin is the block's anchor: the transform moves the
text's (0, 0) to ``(x, baseline)`` and rotates about it, and each paragraph is
aligned left, right or centre about that point, as :mod:`layerize.render` lays
it out. The document is 72 dpi, so a point is a pixel.

The stored merged image is the layers composited here, and the file holds no
timestamps or ids, so one scene always gives the same bytes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw
from psd_tools import PSDImage
from psd_tools.api.layers import PixelLayer
from psd_tools.constants import Tag
from psd_tools.psd import engine_data
from psd_tools.psd.descriptor import (
    Descriptor,
    DescriptorBlock,
    Double,
    Enumerated,
    Integer,
    RawData,
    String,
    UnitFloat,
)
from psd_tools.psd.tagged_blocks import TaggedBlock, TypeToolObjectSetting
from psd_tools.terminology import Unit

from layerize.render import composite, hex_to_rgb, ink_box, place_lines, render_block, style_font
from layerize.scene import Box, ImageObject, Scene, Shape, TextBlock

from ._common import line_endpoints, shape_paint

SUPERSAMPLE = 4
"""Shapes are drawn this many times larger, then averaged down (anti-aliasing)."""

JUSTIFICATION = {"left": 0, "right": 1, "center": 2, "justify": 3}
"""EngineData paragraph justification codes (3: justified, last line left)."""

ANTI_ALIAS_ENUM, ANTI_ALIAS_CODE = b"AnSm", 3
"""Smooth anti-aliasing, as the text descriptor's enum and as EngineData's code."""

MAX_NAME = 255
"""The longest layer name a PSD holds."""

INVISIBLE_FONT = "AdobeInvisFont"
"""Photoshop lists this font after the real ones; it draws hidden characters."""

# Photoshop's built-in line-breaking rule sets, which every type layer's resources list.
KINSOKU_SETS = [
    {"Name": "PhotoshopKinsokuHard",
     "NoStart": "、。，．・：；？！ー―’”）〕］｝〉》」』】ヽヾゝゞ々"
                "ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ゛゜?!)]},.:;℃℉¢％‰",
     "NoEnd": "‘“（〔［｛〈《「『【([{￥＄£＠§〒＃", "Keep": "―‥", "Hanging": "、。.,"},
    {"Name": "PhotoshopKinsokuSoft",
     "NoStart": "、。，．・：；？！’”）〕］｝〉》」』】ヽヾゝゞ々",
     "NoEnd": "‘“（〔［｛〈《「『【", "Keep": "―‥", "Hanging": "、。.,"},
]
MOJIKUMI_SETS = [{"InternalName": f"Photoshop6MojiKumiSet{i}"} for i in range(1, 5)]


# ----------------------------------------------------------------------------- type layer data


def _engine(value: Any) -> Any:
    """A Python value (dict, list, str, bool, int, float) as EngineData elements."""
    if isinstance(value, dict):
        result = engine_data.Dict()
        for key, item in value.items():
            result[key] = _engine(item)
        return result
    if isinstance(value, list):
        return engine_data.List([_engine(item) for item in value])
    if isinstance(value, bool):
        return engine_data.Bool(value)
    if isinstance(value, int):
        return engine_data.Integer(value)
    if isinstance(value, float):
        return engine_data.Float(value)
    if isinstance(value, str):
        return engine_data.String(value)
    raise TypeError(f"no EngineData form for {type(value).__name__}")


def _engine_color(color: str) -> dict[str, Any]:
    """An EngineData colour: type 1 (RGB) with ARGB values in 0..1."""
    r, g, b = hex_to_rgb(color)
    return {"Type": 1, "Values": [1.0, r / 255, g / 255, b / 255]}


def _paragraph_properties(block: TextBlock) -> dict[str, Any]:
    """Paragraph settings: the block's alignment, everything else Photoshop's defaults."""
    return {
        "Justification": JUSTIFICATION[block.style.align],
        "FirstLineIndent": 0.0, "StartIndent": 0.0, "EndIndent": 0.0,
        "SpaceBefore": 0.0, "SpaceAfter": 0.0,
        "AutoHyphenate": True, "HyphenatedWordSize": 6, "PreHyphen": 2, "PostHyphen": 2,
        "ConsecutiveHyphens": 8, "Zone": 36.0,
        "WordSpacing": [0.8, 1.0, 1.33], "LetterSpacing": [0.0, 0.0, 0.0], "GlyphSpacing": [1.0, 1.0, 1.0],
        "AutoLeading": 1.2, "LeadingType": 0, "Hanging": False, "Burasagari": False,
        "KinsokuOrder": 0, "EveryLineComposer": False,
    }


def _character_style(block: TextBlock) -> dict[str, Any]:
    """Character settings: font 0 of the FontSet at the block's size, leading, tracking and colour."""
    style = block.style
    return {
        "Font": 0, "FontSize": float(style.size_px),
        "FauxBold": False, "FauxItalic": False,
        "AutoLeading": False, "Leading": float(style.line_height_px),
        "HorizontalScale": 1.0, "VerticalScale": 1.0,
        "Tracking": round(style.letter_spacing_px / style.size_px * 1000),  # 1/1000 em
        "AutoKerning": True, "Kerning": 0, "BaselineShift": 0.0,
        "FontCaps": 0, "FontBaseline": 0, "Underline": False, "Strikethrough": False,
        "Ligatures": True, "DLigatures": False, "BaselineDirection": 2, "Tsume": 0.0,
        "StyleRunAlignment": 2, "Language": 0, "NoBreak": False,
        "FillColor": _engine_color(style.color), "StrokeColor": _engine_color("#000000"),
        "FillFlag": True, "StrokeFlag": False, "FillFirst": True,
        "YUnderline": 1, "OutlineWidth": 1.0, "CharacterDirection": 0,
        "HindiNumbers": False, "Kashida": 1, "DiacriticPos": 2,
    }


def _resources(block: TextBlock) -> dict[str, Any]:
    """The fonts and style sheets a type layer refers to by index."""
    return {
        "KinsokuSet": KINSOKU_SETS,
        "MojiKumiSet": MOJIKUMI_SETS,
        "TheNormalStyleSheet": 0,
        "TheNormalParagraphSheet": 0,
        "ParagraphSheetSet": [{"Name": "Normal RGB", "DefaultStyleSheet": 0,
                               "Properties": _paragraph_properties(block)}],
        "StyleSheetSet": [{"Name": "Normal RGB", "StyleSheetData": _character_style(block)}],
        "FontSet": [{"Name": name, "Script": 0, "FontType": 0, "Synthetic": 0}
                    for name in (block.style.font_postscript, INVISIBLE_FONT)],
        "SuperscriptSize": 0.583, "SuperscriptPosition": 0.333,
        "SubscriptSize": 0.583, "SubscriptPosition": 0.333, "SmallCapSize": 0.7,
    }


def build_engine_data(block: TextBlock) -> engine_data.EngineData:
    """The EngineData of a point-text layer showing ``block``: one paragraph per line, one style run."""
    lines = [line.text for line in block.lines]
    text = "\r".join(lines) + "\r"  # Photoshop ends the text with a paragraph break
    adjustments = {"Axis": [1.0, 0.0, 1.0], "XY": [0.0, 0.0]}
    paragraph = {"ParagraphSheet": {"DefaultStyleSheet": 0, "Properties": _paragraph_properties(block)},
                 "Adjustments": adjustments}
    no_transform = {"ShapeType": 0, "TransformPoint0": [1.0, 0.0],
                    "TransformPoint1": [0.0, 1.0], "TransformPoint2": [0.0, 0.0]}
    resources = _resources(block)
    tree = {
        "EngineDict": {
            "Editor": {"Text": text},
            "ParagraphRun": {
                "DefaultRunData": {"ParagraphSheet": {"DefaultStyleSheet": 0, "Properties": {}},
                                   "Adjustments": adjustments},
                "RunArray": [paragraph] * len(lines),
                "RunLengthArray": [len(line) + 1 for line in lines],
                "IsJoinable": 1,
            },
            "StyleRun": {
                "DefaultRunData": {"StyleSheet": {"StyleSheetData": {}}},
                "RunArray": [{"StyleSheet": {"StyleSheetData": _character_style(block)}}],
                "RunLengthArray": [len(text)],
                "IsJoinable": 2,
            },
            "GridInfo": {
                "GridIsOn": False, "ShowGrid": False, "GridSize": 18.0, "GridLeading": 22.0,
                "GridColor": _engine_color("#0000ff"), "GridLeadingFillColor": _engine_color("#0000ff"),
                "AlignLineHeightToGridFlags": False,
            },
            "AntiAlias": ANTI_ALIAS_CODE,
            "UseFractionalGlyphWidths": True,
            "Rendered": {
                "Version": 1,
                "Shapes": {
                    "WritingDirection": 0,
                    "Children": [{
                        "ShapeType": 0, "Procession": 0,
                        "Lines": {"WritingDirection": 0, "Children": []},
                        "Cookie": {"Photoshop": {"ShapeType": 0, "PointBase": [0.0, 0.0], "Base": no_transform}},
                    }],
                },
            },
        },
        "ResourceDict": resources,
        "DocumentResources": resources,
    }
    result = engine_data.EngineData()
    result.update(_engine(tree))
    return result


def _points_box(name: str, left: float, top: float, right: float, bottom: float) -> Descriptor:
    """A descriptor box in points (= pixels here), relative to the text origin."""
    box = Descriptor(classID=name.encode("ascii"))
    for key, value in (("Left", left), ("Top ", top), ("Rght", right), ("Btom", bottom)):
        box[key] = UnitFloat(value=value, unit=Unit.Points)
    return box


def _text_bounds(block: TextBlock) -> tuple[Descriptor, Descriptor]:
    """The layout box and the ink box of the unrotated text, relative to the anchor."""
    font = style_font(block.style)
    ascent, descent = font.getmetrics()
    lines = place_lines(block, font)
    bounds = _points_box("bounds", min(line.x for line in lines) - block.x, -ascent,
                         max(line.x + line.advance for line in lines) - block.x,
                         lines[-1].baseline - block.baseline + descent)
    ink = ink_box(block.model_copy(update={"rotation": 0.0})) or Box(
        x0=block.x, y0=block.baseline, x1=block.x, y1=block.baseline)
    bounding_box = _points_box("boundingBox", ink.x0 - block.x, ink.y0 - block.baseline,
                               ink.x1 - block.x, ink.y1 - block.baseline)
    return bounds, bounding_box


def _no_warp() -> DescriptorBlock:
    """The warp descriptor of unwarped horizontal text."""
    warp = DescriptorBlock(classID=b"warp")
    warp["warpStyle"] = Enumerated(typeID=b"warpStyle", enum=b"warpNone")
    warp["warpValue"] = Double(0.0)
    warp["warpPerspective"] = Double(0.0)
    warp["warpPerspectiveOther"] = Double(0.0)
    warp["warpRotate"] = Enumerated(typeID=b"Ornt", enum=b"Hrzn")
    return warp


def build_type_tool(block: TextBlock) -> TypeToolObjectSetting:
    """The ``TySh`` block making a layer live text: ``block`` as point text at its anchor.

    The transform maps text space (origin on the first baseline, y down) to the
    canvas: a counter-clockwise rotation by ``block.rotation`` about the anchor.
    The trailing box is left zero: psd-tools reads it as integers, ag-psd as
    floats, and the descriptor boxes carry the same information.
    """
    angle = math.radians(block.rotation)
    cos, sin = math.cos(angle), math.sin(angle)
    bounds, bounding_box = _text_bounds(block)
    text_data = DescriptorBlock(classID=b"TxLr")
    text_data["Txt "] = String("\r".join(line.text for line in block.lines))
    text_data["textGridding"] = Enumerated(typeID=b"textGridding", enum=b"None")
    text_data["Ornt"] = Enumerated(typeID=b"Ornt", enum=b"Hrzn")
    text_data["AntA"] = Enumerated(typeID=b"Annt", enum=ANTI_ALIAS_ENUM)
    text_data["bounds"] = bounds
    text_data["boundingBox"] = bounding_box
    text_data["TextIndex"] = Integer(0)
    text_data["EngineData"] = RawData(build_engine_data(block))
    return TypeToolObjectSetting(
        version=1,
        transform=(cos, -sin, sin, cos, float(block.x), float(block.baseline)),
        text_version=50,
        text_data=text_data,
        warp_version=1,
        warp=_no_warp(),
    )


# ----------------------------------------------------------------------------- layer pixels


@dataclass(frozen=True)
class Layer:
    """One layer to write: its name, RGBA pixels, canvas offset and, for text, its ``TySh`` block."""

    name: str
    image: Image.Image
    offset: tuple[int, int]
    type_tool: TypeToolObjectSetting | None = None


def text_layer(block: TextBlock) -> Layer:
    """A type layer: the block's rendered pixels and its live text."""
    rendered = render_block(block)
    if rendered is None:  # blank text: an empty pixel at the anchor
        rendered = Image.new("RGBA", (1, 1), (0, 0, 0, 0)), (round(block.x), round(block.baseline))
    image, offset = rendered
    return Layer(block.name, image, offset, build_type_tool(block))


def object_layer(obj: ImageObject) -> Layer:
    """An object's RGBA pixels, scaled to its box if they differ, at the box's corner."""
    left, top = round(obj.box.x0), round(obj.box.y0)
    size = (max(1, round(obj.box.x1) - left), max(1, round(obj.box.y1) - top))
    image = obj.image.convert("RGBA")
    if image.size != size:
        image = image.resize(size, Image.LANCZOS)
    return Layer(obj.name, image, (left, top))


def _rgba(color: str) -> tuple[int, int, int, int]:
    return hex_to_rgb(color) + (255,)


def _draw_closed(draw: ImageDraw.ImageDraw, shape: Shape, xy: tuple[float, float, float, float],
                 radius: float, **paint: Any) -> None:
    """Draw a rect, rounded rect or ellipse filling or outlining ``xy``."""
    if shape.shape == "ellipse":
        draw.ellipse(xy, **paint)
    elif radius > 0:
        draw.rounded_rectangle(xy, radius=radius, **paint)
    else:
        draw.rectangle(xy, **paint)


def shape_layer(shape: Shape) -> Layer:
    """A shape drawn anti-aliased (supersampled) on a transparent layer around its box.

    Fill, stroke and line geometry follow the conventions the other exporters
    share (:mod:`layerize_exporters._common`): strokes are centred on the edge.
    """
    box, s = shape.box, SUPERSAMPLE
    paint = shape_paint(shape)
    reach = max(paint.stroke_width, 1.0) / 2 + 1
    left, top = math.floor(box.x0 - reach), math.floor(box.y0 - reach)
    right, bottom = math.ceil(box.x1 + reach), math.ceil(box.y1 + reach)
    canvas = Image.new("RGBA", ((right - left) * s, (bottom - top) * s), (0, 0, 0, 0))
    draw = ImageDraw.Draw(canvas)
    width = max(1, round(paint.stroke_width * s))

    def scaled(grow: float) -> tuple[float, float, float, float]:
        """The box grown by ``grow`` on every side, in supersampled layer pixels (inclusive corners)."""
        return ((box.x0 - grow - left) * s, (box.y0 - grow - top) * s,
                (box.x1 + grow - left) * s - 1, (box.y1 + grow - top) * s - 1)

    if shape.shape == "line":
        x1, y1, x2, y2 = line_endpoints(shape)
        if paint.stroke:
            ends = [((x1 - left) * s, (y1 - top) * s), ((x2 - left) * s, (y2 - top) * s)]
            draw.line(ends, fill=_rgba(paint.stroke), width=width)
    else:
        radius = shape.corner_radius
        if paint.fill:
            _draw_closed(draw, shape, scaled(0.0), radius * s, fill=_rgba(paint.fill))
        if paint.stroke:
            half = paint.stroke_width / 2
            _draw_closed(draw, shape, scaled(half), (radius + half) * s if radius > 0 else 0.0,
                         outline=_rgba(paint.stroke), width=width)
    # average in premultiplied form so transparent pixels do not darken the edges
    image = canvas.convert("RGBa").reduce(s).convert("RGBA")
    return Layer(shape.name, image, (left, top))


def scene_layers(scene: Scene) -> list[Layer]:
    """Every layer of the document, bottom to top: the plate, then the nodes in scene order."""
    layers = [Layer("Background", scene.background.image.convert("RGBA"), (0, 0))]
    for node in scene.nodes:
        if isinstance(node, TextBlock):
            layers.append(text_layer(node))
        elif isinstance(node, ImageObject):
            layers.append(object_layer(node))
        else:
            layers.append(shape_layer(node))
    return layers


def merge(layers: list[Layer], size: tuple[int, int]) -> np.ndarray:
    """The layers alpha-composited in order over white: the document's merged image (RGB)."""
    merged = np.full((size[1], size[0], 3), 255, np.uint8)
    for layer in layers:
        merged = composite(merged, layer.image, layer.offset)
    return merged


# ----------------------------------------------------------------------------- exporter


class PsdExporter:
    """Writes a scene as a layered RGB PSD with live type layers."""

    name = "psd"
    extensions = ("psd",)

    def write(self, scene: Scene, path: Path) -> None:
        """Write ``scene`` to ``path``."""
        size = (scene.canvas.width, scene.canvas.height)
        layers = scene_layers(scene)
        psd = PSDImage.new("RGB", size, color=255)
        for layer in layers:
            pixel_layer = PixelLayer.fromarray(np.asarray(layer.image), psd,
                                               left=layer.offset[0], top=layer.offset[1])
            pixel_layer.name = layer.name[:MAX_NAME]  # sets the Unicode name ('luni') too
            if layer.type_tool is not None:
                pixel_layer.tagged_blocks[Tag.TYPE_TOOL_OBJECT_SETTING] = TaggedBlock(
                    key=Tag.TYPE_TOOL_OBJECT_SETTING, data=layer.type_tool)
        merged = merge(layers, size)
        record = psd._record  # the low-level document; psd.save() would re-composite with psd-tools
        record.image_data.set_data([merged[..., c].tobytes() for c in range(3)], record.header)
        with open(path, "wb") as fp:
            record.write(fp)

