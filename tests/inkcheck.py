"""Test helper shared by the PPTX and SVG render checks: where does each text block's ink land?"""

from __future__ import annotations

import numpy as np
from conftest import text_block
from PIL import Image

from layerize.render import ink_box
from layerize.scene import Background, Scene, TextBlock

MARGIN = 12  # px searched around the expected ink box; the blocks of ink_scene are further apart


def ink_scene(scene: Scene) -> Scene:
    """The fixture's text blocks in black on a white plate, plus a rotated and a serif block."""
    extra = [
        text_block("text-rotated", ["Tilted", "two lines"], 60, 330, size=26, rotation=15),
        text_block("text-serif", ["Serif"], 470, 375, size=30, family="Liberation Serif"),
    ]
    blocks = [b.model_copy(update={"style": b.style.model_copy(update={"color": "#000000"})})
              for b in scene.texts + extra]
    plate = Image.new("RGB", (scene.canvas.width, scene.canvas.height), (255, 255, 255))
    return scene.model_copy(update={"nodes": blocks, "background": Background(
        image=plate, provenance=scene.background.provenance)})


def ink_errors(rendered: Image.Image, blocks: list[TextBlock]) -> dict[str, list[int]]:
    """Per block, the signed offsets (left, top, right, bottom) of the dark ink in ``rendered``
    from the ink box ``render_block`` predicts."""
    dark = np.asarray(rendered.convert("L")) < 128
    errors = {}
    for block in blocks:
        box = ink_box(block)
        assert box is not None
        x0, y0 = max(0, int(box.x0) - MARGIN), max(0, int(box.y0) - MARGIN)
        x1, y1 = int(box.x1) + MARGIN, int(box.y1) + MARGIN
        ys, xs = np.nonzero(dark[y0:y1, x0:x1])
        assert len(xs), f"{block.id}: no ink near {box}"
        got = (x0 + xs.min(), y0 + ys.min(), x0 + xs.max() + 1, y0 + ys.max() + 1)
        errors[block.id] = [int(g - e) for g, e in zip(got, (box.x0, box.y0, box.x1, box.y1))]
    return errors
