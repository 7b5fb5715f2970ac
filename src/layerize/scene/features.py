"""The optional features of the scene graph, named once, so an exporter can declare which it cannot carry.

A feature is something a node may use beyond the basics every format holds (a
text's string, place, font, size and colour; a picture; a filled box). Each
exporter lists the features its format cannot carry in ``cannot_carry``
(feature -> what the file shows instead), and an export warns about those the
scene uses; the conformance test checks every other feature in the file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .nodes import ImageObject, Shape, TextBlock

FEATURES: dict[str, str] = {
    "text.run_color": "style runs in another colour",
    "text.run_weight": "style runs in another weight",
    "text.run_italic": "style runs in italic",
    "text.weight": "a weight other than regular (400) or bold (700)",
    "text.italic": "italic text",
    "text.rotation": "rotated text",
    "text.vertical": "vertical text",
    "text.letter_spacing": "letter spacing",
    "text.justify": "justified text",
    "text.stroke": "text outline",
    "text.shadow": "text drop shadow",
    "text.gradient": "gradient text fill",
    "shape.rect": "rectangles",
    "shape.rounded": "rounded rectangles",
    "shape.ellipse": "ellipses",
    "shape.line": "lines",
    "shape.polygon": "polygons",
    "shape.path": "Bézier paths with holes (traced icons and logos)",
    "shape.gradient": "gradient shape fill",
    "shape.stroke": "shape outline",
    "shape.dash": "dashed lines and outlines",
    "object.alpha": "pictures with soft alpha",
    "order.text_under_object": "text under a picture or shape",
}


def _runs(block: TextBlock, test: Callable[[object], bool]) -> bool:
    return any(test(run) for line in block.lines for run in line.runs or ())


TEXT_TESTS: dict[str, Callable[[TextBlock], bool]] = {
    "text.run_color": lambda b: _runs(b, lambda r: r.color not in (None, b.style.color)),
    "text.run_weight": lambda b: _runs(b, lambda r: r.weight not in (None, b.style.weight)),
    "text.run_italic": lambda b: _runs(b, lambda r: r.italic not in (None, b.style.italic)),
    "text.weight": lambda b: b.style.weight not in (400, 700)
    or _runs(b, lambda r: r.weight not in (None, 400, 700)),
    "text.italic": lambda b: b.style.italic,
    "text.rotation": lambda b: bool(b.rotation),
    "text.vertical": lambda b: b.orientation == "vertical",
    "text.letter_spacing": lambda b: bool(b.style.letter_spacing_px),
    "text.justify": lambda b: b.style.align == "justify",
    "text.stroke": lambda b: b.style.stroke is not None,
    "text.shadow": lambda b: b.style.shadow is not None,
    "text.gradient": lambda b: b.style.gradient is not None,
}

SHAPE_TESTS: dict[str, Callable[[Shape], bool]] = {
    "shape.rect": lambda s: s.shape == "rect" and not s.corner_radius,
    "shape.rounded": lambda s: s.shape == "rect" and bool(s.corner_radius),
    "shape.ellipse": lambda s: s.shape == "ellipse",
    "shape.line": lambda s: s.shape == "line",
    "shape.polygon": lambda s: s.shape == "polygon",
    "shape.path": lambda s: s.shape == "path",
    "shape.gradient": lambda s: s.gradient is not None and s.shape != "line",
    "shape.stroke": lambda s: s.shape != "line" and bool(s.stroke) and s.stroke_width > 0,
    "shape.dash": lambda s: s.dash is not None,
}


def _soft(obj: ImageObject) -> bool:
    """Whether the picture has partly transparent pixels."""
    if "A" not in obj.image.getbands():
        return False
    low, high = obj.image.getchannel("A").getextrema()
    return low < 255


def _overlaps(a: object, b: object) -> bool:
    ab, bb = a.box, b.box  # type: ignore[attr-defined]
    return ab.x0 < bb.x1 and bb.x0 < ab.x1 and ab.y0 < bb.y1 and bb.y0 < ab.y1


def scene_features(nodes: Iterable[TextBlock | ImageObject | Shape]) -> dict[str, list[str]]:
    """The features the nodes use, in :data:`FEATURES` order, each with the ids of the nodes using it."""
    nodes = list(nodes)
    used: dict[str, list[str]] = {}

    def add(feature: str, node_id: str) -> None:
        used.setdefault(feature, []).append(node_id)

    for i, node in enumerate(nodes):
        if isinstance(node, TextBlock):
            for feature, test in TEXT_TESTS.items():
                if test(node):
                    add(feature, node.id)
            if any(not isinstance(above, TextBlock) and _overlaps(node, above) for above in nodes[i + 1:]):
                add("order.text_under_object", node.id)
        elif isinstance(node, Shape):
            for feature, test in SHAPE_TESTS.items():
                if test(node):
                    add(feature, node.id)
        elif _soft(node):
            add("object.alpha", node.id)
    return {feature: used[feature] for feature in FEATURES if feature in used}
