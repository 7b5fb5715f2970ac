"""Type layers: the ``TySh`` block (descriptor plus EngineData) that makes a layer live text.

psd-tools writes layers but cannot create type layers, so this module builds
the block Photoshop, psd-tools and ag-psd read as text. A one-line block is
point text whose origin is the block's anchor ``(x, baseline)``; a longer block
is paragraph (box) text whose box's top-left corner is the origin, its first
baseline one font ascent below. Line breaks that Photoshop's single-line
composer would make by itself at the box's width are stored as spaces (soft
wraps; nothing between CJK characters), the others as paragraph breaks, so
the layer shows the input's lines and still reflows when edited. A vertical block is point text in vertical
orientation, one column per paragraph: the origin is the anchor (the first
column's centre x and its top, middle or bottom by alignment), later columns
follow every leading to the left, and Latin letters stand upright as the
renderer draws them. The transform rotates text space about the anchor. The
document is 72 dpi, so a point is a pixel.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from typing import Any

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
from psd_tools.psd.tagged_blocks import TypeToolObjectSetting
from psd_tools.terminology import Unit

from layerize.primitives.color import hex_to_rgb
from layerize.render import PlacedLine, Span, align_offset, ink_box, line_advance, place_lines, style_face, style_font
from layerize.scene import Box, TextBlock, TextStyle

from .effects import without_effects

JUSTIFICATION = {"left": 0, "right": 1, "center": 2, "justify": 3}
"""EngineData paragraph justification codes (3: justified, last line left)."""

ANTI_ALIAS_ENUM, ANTI_ALIAS_CODE = b"AnSm", 3
"""Smooth anti-aliasing, as the text descriptor's enum and as EngineData's code."""

ORIENTATION = {"horizontal": b"Hrzn", "vertical": b"Vrtc"}
"""The text descriptor's ``Ornt`` enum of each orientation."""

WRITING_DIRECTION = {"horizontal": 0, "vertical": 2}
"""EngineData writing direction of the rendered shapes: 2 is vertical lines laid right to left."""

BASELINE_DIRECTION = {"horizontal": 2, "vertical": 1}
"""EngineData character baseline direction: 2 is Photoshop's default, 1 keeps Latin upright in vertical text."""

INVISIBLE_FONT = "AdobeInvisFont"
"""Photoshop lists this font after the real ones; it draws hidden characters."""

FAUX_BOLD_GAP = 200
"""A style this much heavier than its font face is drawn with faux bold."""

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


# ----------------------------------------------------------------------------- layout


@dataclass(frozen=True)
class TypeFrame:
    """How a block is stored as text: its string, style runs, box and the anchor in text space.

    ``runs`` cover ``text`` plus the final paragraph break EngineData ends with.
    ``box`` is the paragraph box ``(width, height)``, None for point text (one
    line, or vertical text).
    ``anchor`` is where the block's anchor lies in text space (origin: the
    point-text origin or the box's top-left corner).
    """

    text: str
    runs: tuple[Span, ...]
    box: tuple[float, float] | None
    anchor: tuple[float, float]

    @property
    def paragraph_lengths(self) -> list[int]:
        """Length of each paragraph, its break included."""
        return [len(paragraph) + 1 for paragraph in self.text.split("\r")]


def _merge_runs(spans: list[Span]) -> tuple[Span, ...]:
    """Adjacent spans of one style joined."""
    merged: list[Span] = []
    for text, style in spans:
        if merged and merged[-1][1] == style:
            merged[-1] = (merged[-1][0] + text, style)
        else:
            merged.append((text, style))
    return tuple(merged)


def _wide(ch: str) -> bool:
    """A CJK (wide) character: lines break next to it without a space."""
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _break(block: TextBlock, line: PlacedLine, following: PlacedLine, width: float) -> str:
    """Where Photoshop would wrap ``line`` by itself at ``width``, a space (nothing next to a CJK
    character, which breaks anywhere); else a paragraph break."""
    words = following.text.split()
    if not words or not line.text.strip():
        return "\r"
    style = block.style
    glue, first = ("", following.text[0]) if _wide(line.text[-1]) or _wide(following.text[0]) else (" ", words[0])
    more = line_advance(style_font(style), glue + first, style.letter_spacing_px) + style.letter_spacing_px
    return glue if line.advance + more > width else "\r"


def type_frame(block: TextBlock) -> TypeFrame:
    """The text, runs, box and text-space anchor of ``block`` (see the module notes)."""
    lines = place_lines(block)
    point = len(lines) == 1 or block.orientation == "vertical"
    ascent, descent = style_font(block.style).getmetrics()
    width = math.ceil(max(line.advance for line in lines)) + 1
    spans: list[Span] = []
    for i, line in enumerate(lines):
        spans.extend(line.spans)
        end = _break(block, line, lines[i + 1], width) if i + 1 < len(lines) and not point else "\r"
        spans[-1] = (spans[-1][0] + end, spans[-1][1])
    runs = _merge_runs(spans)
    text = "".join(text for text, _ in runs)[:-1]
    if point:
        return TypeFrame(text, runs, None, (0.0, 0.0))
    height = math.ceil(ascent + len(lines) * block.style.line_height_px + descent)
    anchor_x = align_offset(block.style.align, float(width))
    return TypeFrame(text, runs, (float(width), float(height)), (anchor_x, float(ascent)))


# ----------------------------------------------------------------------------- EngineData


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


def faux_styles(style: TextStyle) -> tuple[bool, bool]:
    """``(faux bold, faux italic)``: what the style asks for and its font face lacks."""
    face = style_face(style)
    return style.weight - face.weight >= FAUX_BOLD_GAP, style.italic and not face.italic


def _paragraph_properties(block: TextBlock) -> dict[str, Any]:
    """Paragraph settings: the block's alignment, no hyphenation, the single-line composer."""
    return {
        "Justification": JUSTIFICATION[block.style.align],
        "FirstLineIndent": 0.0, "StartIndent": 0.0, "EndIndent": 0.0,
        "SpaceBefore": 0.0, "SpaceAfter": 0.0,
        "AutoHyphenate": False, "HyphenatedWordSize": 6, "PreHyphen": 2, "PostHyphen": 2,
        "ConsecutiveHyphens": 8, "Zone": 36.0,
        "WordSpacing": [0.8, 1.0, 1.33], "LetterSpacing": [0.0, 0.0, 0.0], "GlyphSpacing": [1.0, 1.0, 1.0],
        "AutoLeading": 1.2, "LeadingType": 0, "Hanging": False, "Burasagari": False,
        "KinsokuOrder": 0, "EveryLineComposer": False,
    }


def _character_style(block: TextBlock, style: TextStyle, font_index: int) -> dict[str, Any]:
    """One run's character settings: font, size, leading, tracking, colour and faux styles."""
    faux_bold, faux_italic = faux_styles(style)
    return {
        "Font": font_index, "FontSize": float(style.size_px),
        "FauxBold": faux_bold, "FauxItalic": faux_italic,
        "AutoLeading": False, "Leading": float(block.style.line_height_px),
        "HorizontalScale": 1.0, "VerticalScale": 1.0,
        "Tracking": round(block.style.letter_spacing_px / style.size_px * 1000),  # 1/1000 em
        "AutoKerning": True, "Kerning": 0, "BaselineShift": 0.0,
        "FontCaps": 0, "FontBaseline": 0, "Underline": False, "Strikethrough": False,
        "Ligatures": True, "DLigatures": False, "BaselineDirection": BASELINE_DIRECTION[block.orientation],
        "Tsume": 0.0,
        "StyleRunAlignment": 2, "Language": 0, "NoBreak": False,
        "FillColor": _engine_color(style.color), "StrokeColor": _engine_color("#000000"),
        "FillFlag": True, "StrokeFlag": False, "FillFirst": True,
        "YUnderline": 1, "OutlineWidth": 1.0, "CharacterDirection": 0,
        "HindiNumbers": False, "Kashida": 1, "DiacriticPos": 2,
    }


def build_engine_data(block: TextBlock, frame: TypeFrame | None = None) -> engine_data.EngineData:
    """The EngineData of a type layer showing ``block``: paragraphs, style runs, fonts and the text shape."""
    frame = frame or type_frame(block)
    fonts = list(dict.fromkeys(style.font_postscript for _, style in frame.runs))
    styles = [_character_style(block, style, fonts.index(style.font_postscript)) for _, style in frame.runs]
    paragraph = _paragraph_properties(block)
    adjustments = {"Axis": [1.0, 0.0, 1.0], "XY": [0.0, 0.0]}
    resources = {
        "KinsokuSet": KINSOKU_SETS,
        "MojiKumiSet": MOJIKUMI_SETS,
        "TheNormalStyleSheet": 0,
        "TheNormalParagraphSheet": 0,
        "ParagraphSheetSet": [{"Name": "Normal RGB", "DefaultStyleSheet": 0, "Properties": paragraph}],
        "StyleSheetSet": [{"Name": "Normal RGB", "StyleSheetData": styles[0]}],
        "FontSet": [{"Name": name, "Script": 0, "FontType": 0, "Synthetic": 0}
                    for name in (*fonts, INVISIBLE_FONT)],
        "SuperscriptSize": 0.583, "SuperscriptPosition": 0.333,
        "SubscriptSize": 0.583, "SubscriptPosition": 0.333, "SmallCapSize": 0.7,
    }
    shape_type = 0 if frame.box is None else 1
    photoshop: dict[str, Any] = {"ShapeType": shape_type}
    if frame.box is None:
        photoshop["PointBase"] = [0.0, 0.0]
    else:
        photoshop["BoxBounds"] = [0.0, 0.0, *frame.box]
    photoshop["Base"] = {"ShapeType": shape_type, "TransformPoint0": [1.0, 0.0],
                         "TransformPoint1": [0.0, 1.0], "TransformPoint2": [0.0, 0.0]}
    lengths = frame.paragraph_lengths
    direction = WRITING_DIRECTION[block.orientation]
    tree = {
        "EngineDict": {
            "Editor": {"Text": frame.text + "\r"},  # Photoshop ends the text with a paragraph break
            "ParagraphRun": {
                "DefaultRunData": {"ParagraphSheet": {"DefaultStyleSheet": 0, "Properties": {}},
                                   "Adjustments": adjustments},
                "RunArray": [{"ParagraphSheet": {"DefaultStyleSheet": 0, "Properties": paragraph},
                              "Adjustments": adjustments}] * len(lengths),
                "RunLengthArray": lengths,
                "IsJoinable": 1,
            },
            "StyleRun": {
                "DefaultRunData": {"StyleSheet": {"StyleSheetData": {}}},
                "RunArray": [{"StyleSheet": {"StyleSheetData": style}} for style in styles],
                "RunLengthArray": [len(text) for text, _ in frame.runs],
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
                    "WritingDirection": direction,
                    "Children": [{
                        "ShapeType": shape_type, "Procession": int(block.orientation == "vertical"),
                        "Lines": {"WritingDirection": direction, "Children": []},
                        "Cookie": {"Photoshop": photoshop},
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


# ----------------------------------------------------------------------------- TySh


def _points_box(name: str, left: float, top: float, right: float, bottom: float) -> Descriptor:
    """A descriptor box in points (= pixels here), in text space."""
    box = Descriptor(classID=name.encode("ascii"))
    for key, value in (("Left", left), ("Top ", top), ("Rght", right), ("Btom", bottom)):
        box[key] = UnitFloat(value=value, unit=Unit.Points)
    return box


def _point_extent(block: TextBlock) -> tuple[float, float, float, float]:
    """Point text's unrotated layout box on the canvas: lines by the font's height, or columns one em wide."""
    lines = place_lines(block)
    if block.orientation == "vertical":
        half = block.style.size_px / 2
        return (min(line.x for line in lines) - half, min(line.baseline for line in lines),
                max(line.x for line in lines) + half, max(line.baseline + line.advance for line in lines))
    ascent, descent = style_font(block.style).getmetrics()
    return (min(line.x for line in lines), lines[0].baseline - ascent,
            max(line.x + line.advance for line in lines), lines[-1].baseline + descent)


def _text_bounds(block: TextBlock, frame: TypeFrame) -> tuple[Descriptor, Descriptor]:
    """The layout box (point text: the lines' extent; paragraph text: the box) and the plain ink box, in text space."""
    dx, dy = frame.anchor[0] - block.x, frame.anchor[1] - block.baseline  # canvas (unrotated) → text space
    if frame.box is None:
        x0, y0, x1, y1 = _point_extent(block)
        bounds = _points_box("bounds", x0 + dx, y0 + dy, x1 + dx, y1 + dy)
    else:
        bounds = _points_box("bounds", 0.0, 0.0, *frame.box)
    ink = ink_box(without_effects(block).model_copy(update={"rotation": 0.0})) or Box(
        x0=block.x, y0=block.baseline, x1=block.x, y1=block.baseline)
    return bounds, _points_box("boundingBox", ink.x0 + dx, ink.y0 + dy, ink.x1 + dx, ink.y1 + dy)


def _no_warp() -> DescriptorBlock:
    """The warp descriptor of unwarped text."""
    warp = DescriptorBlock(classID=b"warp")
    warp["warpStyle"] = Enumerated(typeID=b"warpStyle", enum=b"warpNone")
    warp["warpValue"] = Double(0.0)
    warp["warpPerspective"] = Double(0.0)
    warp["warpPerspectiveOther"] = Double(0.0)
    warp["warpRotate"] = Enumerated(typeID=b"Ornt", enum=b"Hrzn")
    return warp


def build_type_tool(block: TextBlock) -> TypeToolObjectSetting:
    """The ``TySh`` block making a layer live text showing ``block``.

    The transform maps text space (y down) to the canvas: a counter-clockwise
    rotation by ``block.rotation`` that takes the frame's anchor to the
    block's. The trailing box is left zero: psd-tools reads it as integers,
    ag-psd as floats, and the descriptor boxes carry the same information.
    """
    frame = type_frame(block)
    angle = math.radians(block.rotation)
    cos, sin = math.cos(angle), math.sin(angle)
    ax, ay = frame.anchor
    origin = (block.x - (cos * ax + sin * ay), block.baseline - (-sin * ax + cos * ay))
    bounds, bounding_box = _text_bounds(block, frame)
    text_data = DescriptorBlock(classID=b"TxLr")
    text_data["Txt "] = String(frame.text)
    text_data["textGridding"] = Enumerated(typeID=b"textGridding", enum=b"None")
    text_data["Ornt"] = Enumerated(typeID=b"Ornt", enum=ORIENTATION[block.orientation])
    text_data["AntA"] = Enumerated(typeID=b"Annt", enum=ANTI_ALIAS_ENUM)
    text_data["bounds"] = bounds
    text_data["boundingBox"] = bounding_box
    text_data["TextIndex"] = Integer(0)
    text_data["EngineData"] = RawData(build_engine_data(block, frame))
    return TypeToolObjectSetting(
        version=1,
        transform=(cos, -sin, sin, cos, *origin),
        text_version=50,
        text_data=text_data,
        warp_version=1,
        warp=_no_warp(),
    )
