"""Conformance: does an exporter's file hold every feature of the scene graph its format can carry?

The kit has three parts:

* :func:`feature_scene` (from :mod:`.feature_scene`), a scene that uses every
  feature in :data:`~layerize.scene.FEATURES`, from installed fonts;
* a neutral description of what a file holds (:class:`FileContent`: its texts
  with their runs and effects, its shapes, its pictures, the stacking order of
  its named nodes and, optionally, the file as an independent renderer draws it);
* :func:`conformance_problems`, which compares a scene with that description
  and lists every feature the scene uses, the exporter does not declare in its
  ``cannot_carry``, and the file does not show.

A third-party exporter's author writes a reader for their format that fills a
:class:`FileContent` from the written file (with an independent library: the
point is to see what other programs see), then asserts::

    scene = feature_scene()
    scene.export(path, "myformat")
    assert conformance_problems(scene, read_my_format(path), MyExporter.cannot_carry) == []

Nodes are found in the description by their layer name, else their id.
Texts are compared without white space (formats break lines differently); a
run is described by what the file says: its colour, its weight (or only bold
on or off, where that is all the format holds) and its slant.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from ..render import line_spans
from ..scene import FEATURES, Box, ImageObject, Scene, Shape, TextBlock, TextStyle
from ..scene.features import scene_features
from .drawn import Problems, dash_ink_problems, gradient_ink_problems, path_ink_problems, run_ink_problems
from .feature_scene import feature_scene

__all__ = ["FileContent", "PictureContent", "RunContent", "ShapeContent", "TextContent", "conformance_problems",
           "feature_scene"]

ROTATION_TOLERANCE = 0.5
"""Degrees a text's rotation may be off (formats store it in whole 60,000ths of a degree or as a matrix)."""
SPACING_TOLERANCE_PX = 0.1
"""Pixels letter spacing may be off (PPTX rounds it to 1/100 pt, PSD to 1/1000 em)."""
@dataclass
class RunContent:
    """A stretch of text in one style, as the file holds it (None: the file does not say)."""

    text: str
    color: str | None = None
    weight: int | None = None
    bold: bool | None = None
    italic: bool | None = None


@dataclass
class TextContent:
    """A text as the file holds it: its name, string, runs, placement and effects (colours as #rrggbb)."""

    name: str
    text: str
    runs: list[RunContent]
    rotation: float = 0.0
    orientation: str = "horizontal"
    align: str | None = None
    letter_spacing_px: float | None = None
    stroke: str | None = None
    shadow: str | None = None
    gradient: tuple[str, str] | None = None


@dataclass
class ShapeContent:
    """A shape as the file holds it: kind (rect, rounded, ellipse, line, polygon), fill, gradient, stroke, and
    whether the file dashes its stroke (or line)."""

    name: str
    kind: str
    fill: str | None = None
    gradient: tuple[str, str] | None = None
    stroke: str | None = None
    dashed: bool = False


@dataclass
class PictureContent:
    """A picture as the file holds it: whether some of its pixels are not fully opaque."""

    name: str
    soft_alpha: bool


@dataclass
class FileContent:
    """What a file holds; ``order`` names its nodes bottom to top; ``render`` is the file drawn by an
    independent renderer at the canvas size (None: no drawing checks)."""

    texts: list[TextContent] = field(default_factory=list)
    shapes: list[ShapeContent] = field(default_factory=list)
    pictures: list[PictureContent] = field(default_factory=list)
    order: list[str] = field(default_factory=list)
    render: Image.Image | None = None


# ----------------------------------------------------------------------------- checks




def _find(items: list, node: TextBlock | Shape | ImageObject) -> object | None:
    """The described item named after the node's layer, else its id."""
    for name in (node.layer_name, node.id):
        for item in items:
            if item.name == name:
                return item
    return None


def _char_styles(block: TextBlock) -> list[tuple[str, TextStyle]]:
    """Every non-blank character of the block with the style it is set in."""
    return [(ch, style) for line in block.lines for text, style in line_spans(block, line) for ch in text
            if not ch.isspace()]


def _char_runs(runs: list[RunContent]) -> list[tuple[str, RunContent]]:
    return [(ch, run) for run in runs for ch in run.text if not ch.isspace()]


def _weight_feature(block: TextBlock, weight: int) -> str | None:
    if weight not in (400, 700):
        return "text.weight"
    return "text.run_weight" if weight != block.style.weight else None


def _run_problems(block: TextBlock, found: TextContent, allowed: Callable[[str | None], bool]) -> Problems:
    """Colour, weight and slant of every character, each mismatch filed under its feature."""
    want, got = _char_styles(block), _char_runs(found.runs)
    if [ch for ch, _ in want] != [ch for ch, _ in got]:
        return [f"text ({block.id}): the runs spell {''.join(ch for ch, _ in got)!r}, not the text"]
    wrong: dict[tuple[str, str], str] = {}
    for (ch, style), (_, run) in zip(want, got):
        checks: list[tuple[str | None, str, bool]] = []
        if block.style.gradient is None:  # a gradient paints every run
            feature = "text.run_color" if style.color != block.style.color else None
            checks.append((feature, f"colour {style.color}", run.color is not None
                           and run.color.lower() == style.color.lower()))
        feature = _weight_feature(block, style.weight)
        if run.weight is not None:
            checks.append((feature, f"weight {style.weight}", run.weight == style.weight))
        else:
            exact = feature != "text.weight" and run.bold is not None
            checks.append((feature, f"weight {style.weight}", exact and run.bold == (style.weight >= 600)))
        feature = "text.run_italic" if style.italic != block.style.italic else ("text.italic" if style.italic
                                                                                else None)
        checks.append((feature, "italic" if style.italic else "upright", run.italic == style.italic))
        for feature, what, ok in checks:
            if not ok and allowed(feature):
                key = (feature or "text", what)
                wrong[key] = wrong.get(key, "") + ch
    return [f"{feature} ({block.id}): {chars!r} not {what} in the file" for (feature, what), chars in wrong.items()]


def _text_problems(block: TextBlock, found: TextContent, allowed: Callable[[str | None], bool]) -> Problems:
    style, problems = block.style, []

    def check(feature: str | None, ok: bool, what: str) -> None:
        if not ok and allowed(feature):
            problems.append(f"{feature or 'text'} ({block.id}): {what}")

    check(None, " ".join(found.text.split()) == " ".join(block.text.split()), f"the file says {found.text!r}")
    problems += _run_problems(block, found, allowed)
    turn = (found.rotation - block.rotation + 180) % 360 - 180
    check("text.rotation" if block.rotation else None, abs(turn) <= ROTATION_TOLERANCE,
          f"turned {found.rotation:g}°, not {block.rotation:g}°")
    check("text.vertical" if block.orientation == "vertical" else None, found.orientation == block.orientation,
          f"{found.orientation}, not {block.orientation}")
    if found.align is not None or style.align == "justify":
        check("text.justify" if style.align == "justify" else None, found.align == style.align,
              f"aligned {found.align}, not {style.align}")
    spacing = found.letter_spacing_px or 0.0
    check("text.letter_spacing" if style.letter_spacing_px else None,
          abs(spacing - style.letter_spacing_px) <= SPACING_TOLERANCE_PX,
          f"letter spacing {spacing:g} px, not {style.letter_spacing_px:g}")
    effects = (("text.stroke", found.stroke, style.stroke and style.stroke.color),
               ("text.shadow", found.shadow, style.shadow and style.shadow.color),
               ("text.gradient", found.gradient, style.gradient and (style.gradient.start, style.gradient.end)))
    for feature, got, want in effects:
        check(feature if want else None, _same(got, want), f"{got or 'none'} in the file, not {want or 'none'}")
    return problems


def _same(got: object, want: object) -> bool:
    """Equal colours (or colour pairs), case aside; None and '' alike."""
    if not got or not want:
        return not got and not want
    return str(got).lower() == str(want).lower()


def _shape_problems(shape: Shape, found: ShapeContent, allowed: Callable[[str | None], bool]) -> Problems:
    kind = "rounded" if shape.shape == "rect" and shape.corner_radius else shape.shape
    feature = f"shape.{kind}"
    if not allowed(feature) or (shape.dash and not allowed("shape.dash")):
        return []
    if found.kind != kind:
        return [f"{feature} ({shape.id}): a {found.kind} in the file"]
    problems = [f"shape.dash ({shape.id}): {'dashed' if found.dashed else 'solid'} in the file"
                ] if bool(shape.dash) != found.dashed else []
    if kind == "line":
        color = shape.stroke or shape.fill
        ok = _same(found.stroke, color) or _same(found.fill, color)
        return problems + ([] if ok else [f"{feature} ({shape.id}): drawn {found.stroke or found.fill}, not {color}"])
    if shape.gradient is not None:
        want = (shape.gradient.start, shape.gradient.end)
        if allowed("shape.gradient") and not _same(found.gradient, want):
            problems.append(f"shape.gradient ({shape.id}): {found.gradient or found.fill} in the file, not {want}")
    elif not _same(found.fill, shape.fill):
        problems.append(f"{feature} ({shape.id}): filled {found.fill}, not {shape.fill}")
    stroke = shape.stroke if shape.stroke and shape.stroke_width > 0 else None
    if allowed("shape.stroke" if stroke else None) and not _same(found.stroke, stroke):
        problems.append(f"shape.stroke ({shape.id}): stroked {found.stroke or 'none'}, not {stroke or 'none'}")
    return problems


def _overlap(a: Box, b: Box) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def _order_problems(scene: Scene, order: list[str]) -> Problems:
    """Every text under an overlapping picture or shape must stay under it."""
    def index(node: object) -> int | None:
        for name in (node.layer_name, node.id):  # type: ignore[attr-defined]
            if name in order:
                return order.index(name)
        return None

    problems = []
    for i, text in enumerate(scene.nodes):
        if not isinstance(text, TextBlock):
            continue
        for above in scene.nodes[i + 1:]:
            if not isinstance(above, TextBlock) and _overlap(text.box, above.box):
                low, high = index(text), index(above)
                if low is None or high is None or low > high:
                    problems.append(f"order.text_under_object ({text.id}): not under {above.id} in the file")
    return problems


def conformance_problems(scene: Scene, content: FileContent, cannot_carry: Mapping[str, str]) -> Problems:
    """What of ``scene`` the file described by ``content`` misses, leaving out the features in ``cannot_carry``.

    Also a problem: a declared feature that :data:`~layerize.scene.FEATURES`
    does not know. Each problem names its feature (or "text", "shape",
    "picture" for the basics every format holds) and the node's id.
    """
    problems = [f"cannot_carry: unknown feature {name!r}" for name in cannot_carry if name not in FEATURES]
    used = scene_features(scene.nodes)

    def allowed(feature: str | None) -> bool:
        return feature is None or feature not in cannot_carry

    drawing = None if content.render is None else np.asarray(
        content.render.convert("RGB").resize((scene.canvas.width, scene.canvas.height)))
    for node in scene.nodes:
        kind = {TextBlock: "text", Shape: "shape", ImageObject: "picture"}[type(node)]
        found = _find({"text": content.texts, "shape": content.shapes, "picture": content.pictures}[kind], node)
        if found is None:
            problems.append(f"{kind} ({node.id}): nothing named {node.layer_name!r} or {node.id!r} in the file")
        elif isinstance(node, TextBlock):
            problems += _text_problems(node, found, allowed)  # type: ignore[arg-type]
            if drawing is not None and node.style.gradient is None and allowed("text.run_color"):
                problems += run_ink_problems(node, drawing)
        elif isinstance(node, Shape):
            problems += _shape_problems(node, found, allowed)  # type: ignore[arg-type]
            if drawing is not None and node.gradient is not None and node.shape == "rect" and allowed(
                    "shape.gradient"):
                problems += gradient_ink_problems(node, drawing)
            if drawing is not None and node.dash is not None:  # a format that cannot carry it still draws it
                problems += dash_ink_problems(node, drawing)
            if drawing is not None and node.shape == "path" and node.fill and allowed("shape.path"):
                problems += path_ink_problems(node, drawing)
        else:
            alpha = node.image.getchannel("A") if "A" in node.image.getbands() else None
            soft = alpha is not None and alpha.getextrema()[0] < 255
            if found.soft_alpha != soft and allowed("object.alpha" if soft else None):  # type: ignore[attr-defined]
                problems.append(f"{'object.alpha' if soft else 'picture'} ({node.id}): "
                                f"{'opaque' if soft else 'transparent'} in the file")
    if "order.text_under_object" in used and allowed("order.text_under_object"):
        problems += _order_problems(scene, content.order)
    return problems
