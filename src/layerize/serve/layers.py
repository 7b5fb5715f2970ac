"""Pixels for the page: each node drawn alone (as the PSD exporter draws its layer) and the composite."""

from __future__ import annotations

from PIL import Image

from ..render import render_block
from ..scene import ImageObject, Scene, Shape, TextBlock

Placed = tuple[Image.Image, tuple[int, int]]
"""An RGBA image and its top-left corner on the canvas."""


def node_pixels(node: TextBlock | ImageObject | Shape) -> Placed | None:
    """A node's RGBA pixels and canvas offset; None when it draws nothing (blank text, an empty shape)."""
    if isinstance(node, TextBlock):
        return render_block(node)
    if isinstance(node, ImageObject):
        return node.placed()
    from layerize_exporters.psd.shapes import paint_pixels, shape_paints

    paints = [paint_pixels(paint) for paint in shape_paints(node)]
    if not paints:
        return None
    left = min(x for _, (x, _) in paints)
    top = min(y for _, (_, y) in paints)
    right = max(x + image.width for image, (x, _) in paints)
    bottom = max(y + image.height for image, (_, y) in paints)
    canvas = Image.new("RGBA", (right - left, bottom - top), (0, 0, 0, 0))
    for image, (x, y) in paints:  # fill, then stroke
        canvas.alpha_composite(image, (x - left, y - top))
    return canvas, (left, top)


def composite(scene: Scene) -> Image.Image:
    """The plate with every node over it, bottom first: what the exported files show."""
    canvas = scene.background.image.convert("RGBA")
    if canvas.size != (scene.canvas.width, scene.canvas.height):
        canvas = canvas.resize((scene.canvas.width, scene.canvas.height))
    for node in scene.nodes:
        placed = node_pixels(node)
        if placed is not None:
            image, (left, top) = placed
            layer = Image.new("RGBA", canvas.size, (0, 0, 0, 0))
            layer.paste(image, (left, top))
            canvas = Image.alpha_composite(canvas, layer)
    return canvas.convert("RGB")
