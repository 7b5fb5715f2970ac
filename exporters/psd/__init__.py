"""PSD export: a layered document a designer can edit.

Bottom to top: the background plate as a locked layer, then groups
``Shapes`` (solid-colour or gradient fill layers with a vector mask; a stroke is
a ring-shaped layer of its own above its fill, named ``… (stroke)``; a line is
the four-sided outline of its rule, as it is drawn), ``Objects`` (pixel layers
with soft alpha) and ``Text`` (live type layers, a style run per run), and
last the flat input as a hidden, locked reference layer. Groups keep the scene's stacking: where
moving a node into its kind's group would put it on the wrong side of a node it
overlaps, a new set of groups (``Shapes 2``, ``Text 2``…) starts above.

Every layer stores pixels cropped to its content (type and shape layers too, so
readers without a text engine or vector support show them), and the stored
merged image is those layers composited. A type layer's stroke, drop shadow and
gradient are layer effects (``lfx2``): its pixels hold the plain glyphs they
are drawn from, and the merged image shows the text with its effects.
Canvases above 30,000 px a side, and ``.psb`` paths, are written as PSB.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from PIL import Image
from psd_tools import PSDImage
from psd_tools.constants import Tag
from psd_tools.psd.tagged_blocks import TaggedBlock

from layerize.config import ExportConfig
from layerize.primitives.compose import on_white
from layerize.render import render_block
from layerize.scene import ImageObject, Scene, Shape, TextBlock

from .document import Group, Layer, Tree, write_document
from .effects import effects_block, has_effects, without_effects
from .shapes import fill_blocks, paint_pixels, shape_paints
from .text import build_type_tool

__all__ = ["PsdExporter", "Group", "Layer", "scene_tree", "shape_layers", "text_layer", "object_layer"]

Background = Literal["transparent", "white"]

GROUPS = {Shape: "Shapes", ImageObject: "Objects", TextBlock: "Text"}
"""The group of each node kind, in stacking order."""

REFERENCE_NAME = "Original (reference)"


def _cropped(image: Image.Image, offset: tuple[int, int]) -> tuple[Image.Image, tuple[int, int]]:
    """``image`` cropped to its visible pixels (one transparent pixel when it has none)."""
    box = image.getchannel("A").getbbox() if "A" in image.getbands() else (0, 0, *image.size)
    if box is None:
        return Image.new("RGBA", (1, 1), (0, 0, 0, 0)), offset
    if box == (0, 0, *image.size):
        return image, offset
    return image.crop(box), (offset[0] + box[0], offset[1] + box[1])


def text_layer(block: TextBlock) -> Layer:
    """A type layer: its glyphs' pixels (cropped to the ink), its live text and its effects.

    The pixels are the glyphs in their fill colour, what Photoshop draws the
    stroke, shadow and gradient effects from; the layer shows (and the merged
    image holds) the block as rendered, effects and all.
    """
    rendered = render_block(without_effects(block))
    image, offset = rendered or (Image.new("RGBA", (1, 1), (0, 0, 0, 0)), (round(block.x), round(block.baseline)))
    tysh = TaggedBlock(key=Tag.TYPE_TOOL_OBJECT_SETTING, data=build_type_tool(block))
    if not has_effects(block):
        return Layer(block.layer_name, image, offset, blocks=(tysh,))
    return Layer(block.layer_name, image, offset, blocks=(tysh, effects_block(block)), styled=render_block(block))


def object_layer(obj: ImageObject) -> Layer:
    """An object's RGBA pixels, scaled to its box if they differ, cropped to what shows."""
    return Layer(obj.layer_name, *_cropped(*obj.placed()))


def shape_layers(shape: Shape, size: tuple[int, int]) -> list[Layer]:
    """A shape's fill and stroke as shape layers (vector-masked fills) with their pixels."""
    return [Layer(paint.name, *paint_pixels(paint), blocks=tuple(fill_blocks(paint, size)), vector=True)
            for paint in shape_paints(shape)]


def _node_layers(node: TextBlock | ImageObject | Shape, size: tuple[int, int]) -> list[Layer]:
    if isinstance(node, TextBlock):
        return [text_layer(node)]
    if isinstance(node, ImageObject):
        return [object_layer(node)]
    return shape_layers(node, size)


def _overlap(a: Layer, b: Layer) -> bool:
    ax0, ay0, ax1, ay1 = a.extent
    bx0, by0, bx1, by1 = b.extent
    return ax0 < bx1 and bx0 < ax1 and ay0 < by1 and by0 < ay1


def group_nodes(scene: Scene) -> list[Group]:
    """The scene's nodes as layer groups by kind, in sets that keep every overlap's stacking."""
    kinds = list(GROUPS)
    sets: list[dict[type, list[Layer]]] = [{kind: [] for kind in kinds}]
    size = (scene.canvas.width, scene.canvas.height)
    for node in scene.nodes:
        kind, layers = type(node), _node_layers(node, size)
        above = [layer for later in kinds[kinds.index(kind) + 1:] for layer in sets[-1][later]]
        if any(_overlap(a, b) for a in above for b in layers):
            sets.append({kind: [] for kind in kinds})
        sets[-1][kind].extend(layers)
    return [Group(GROUPS[kind] + (f" {n}" if n > 1 else ""), tuple(groups[kind]))
            for n, groups in enumerate(sets, 1) for kind in kinds if groups[kind]]


def scene_tree(scene: Scene, background: Background = "transparent") -> Tree:
    """The document's layers and groups, bottom to top (see the module notes)."""
    plate = scene.background.image
    if background == "white":
        plate = on_white(plate)
    tree: Tree = [Layer("Background", plate, (0, 0), locked=True)]
    tree.extend(group_nodes(scene))
    if scene.original is not None:
        tree.append(Layer(REFERENCE_NAME, scene.original, (0, 0), hidden=True, locked=True))
    return tree


class PsdExporter:
    """Writes a scene as a layered RGB PSD (or PSB) with live type and shape layers.

    ``background``: ``"transparent"`` keeps the plate's own alpha (an opaque
    input stays opaque); ``"white"`` lays the plate on white.
    """

    name = "psd"
    extensions = ("psd", "psb")
    cannot_carry = {"shape.line": "a shape layer of the rule's four-sided outline, not a live line",
                    "shape.dash": "a shape layer of the dashes' outlines (one subpath each), not a live dashed stroke"}

    slow_preview = False

    def __init__(self, cfg: ExportConfig | None = None) -> None:
        self.background: Background = (cfg or ExportConfig()).psd.background

    def write(self, scene: Scene, path: Path) -> None:
        """Write ``scene`` to ``path``: PSB when the name has a .psb extension or the canvas needs it.

        The extension may be followed by others: :func:`layerize.export` writes
        ``out.psb`` through a temporary ``.out.psb.<random>.part``.
        """
        size = (scene.canvas.width, scene.canvas.height)
        tree = scene_tree(scene, self.background)
        large = ".psb" in (suffix.lower() for suffix in Path(path).suffixes)
        with open(path, "wb") as fp:
            write_document(tree, size, fp, large=large)

    def preview(self, path: Path) -> Image.Image | None:
        """The file as psd-tools reads it back: its stored composite (the layers with their effects)."""
        return PSDImage.open(path).topil()
