"""Shared test helpers: a hand-built scene graph with every kind of node."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

os.environ.setdefault("LAYERIZE_CACHE_DIR", str(Path(__file__).resolve().parents[1] / ".cache" / "layerize"))
# the tests' font cache (and the processes they start) stays in the checkout's .cache, not the user's

from layerize.fonts import catalogue  # noqa: E402
from layerize.scene import (
    Background,
    Box,
    Canvas,
    ImageObject,
    Provenance,
    Scene,
    Shape,
    TextBlock,
    TextLine,
    TextStyle,
)


def text_block(id: str, lines: list[str], x: float, baseline: float, size: float = 32.0,
               family: str = "DejaVu Sans", weight: int = 400, color: str = "#1a2b3c",
               align: str = "left", rotation: float = 0.0) -> TextBlock:
    """A text block in an installed font, with line boxes filled in from its own render."""
    face = catalogue().resolve(family, weight)
    style = TextStyle(font_family=face.family, font_postscript=face.postscript, font_file=face.path,
                      size_px=size, weight=face.weight, color=color, align=align,
                      line_height_px=size * 1.25)
    placeholder = Box(x0=x, y0=baseline - size, x1=x + 1, y1=baseline)
    block = TextBlock(id=id, lines=[TextLine(text=t, box=placeholder) for t in lines],
                      style=style, x=x, baseline=baseline, rotation=rotation,
                      provenance=Provenance(engine="test", confidence=1.0))
    from layerize.render import ink_box

    box = ink_box(block)
    assert box is not None
    return block.model_copy(update={"lines": [TextLine(text=t, box=box) for t in lines]})


@pytest.fixture
def scene() -> Scene:
    """A 640x400 scene: gradient plate, an object, a shape and two text blocks."""
    w, h = 640, 400
    ramp = np.linspace(200, 240, w, dtype=np.float32)
    plate = np.stack([np.tile(ramp, (h, 1)), np.full((h, w), 230, np.float32), np.full((h, w), 250, np.float32)], -1)
    background = Image.fromarray(plate.astype(np.uint8), "RGB")
    obj = Image.new("RGBA", (120, 120), (0, 0, 0, 0))
    ImageDraw.Draw(obj).ellipse((0, 0, 119, 119), fill=(200, 40, 40, 255))
    nodes = [
        Shape(id="shape-1", name="Shape: card", shape="rect", box=Box(x0=380, y0=220, x1=600, y1=360),
              fill="#2050a0", corner_radius=12, provenance=Provenance(engine="test", confidence=1.0)),
        ImageObject(id="object-1", name="Product", label="product", box=Box(x0=420, y0=40, x1=540, y1=160),
                    image=obj, provenance=Provenance(engine="test", confidence=0.9)),
        text_block("text-1", ["Fresh Coffee"], 40, 90, size=56, weight=700, color="#202020"),
        text_block("text-2", ["Roasted daily in", "small batches"], 200, 200, size=28, color="#604020",
                   align="center"),
        text_block("text-3", ["$19.99"], 590, 300, size=36, color="#ffffff", align="right"),
    ]
    return Scene(canvas=Canvas(width=w, height=h), background=Background(
        image=background, provenance=Provenance(engine="test", confidence=1.0)), nodes=nodes)


@pytest.fixture
def scene_with_shapes(scene: Scene) -> Scene:
    """The fixture scene plus a stroked ellipse and a horizontal rule."""
    prov = Provenance(engine="test", confidence=1.0)
    extra = [
        Shape(id="shape-2", name="Dot", shape="ellipse", box=Box(x0=10, y0=10, x1=50, y1=30), fill="#00ff00",
              stroke="#000000", stroke_width=2, provenance=prov),
        Shape(id="shape-3", name="Rule", shape="line", box=Box(x0=20, y0=380, x1=620, y1=384), stroke="#ff0000",
              provenance=prov),
    ]
    return scene.model_copy(update={"nodes": scene.nodes + extra})


FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
sys.path.insert(0, str(FIXTURES))
import designs  # noqa: E402  (the fixtures' design generator)


@pytest.fixture(scope="session")
def poster_design() -> "designs.Design":
    return designs.poster(width=1024)


@pytest.fixture(scope="session")
def poster_file(tmp_path_factory: pytest.TempPathFactory, poster_design: "designs.Design") -> Path:
    path = tmp_path_factory.mktemp("poster") / "poster.png"
    poster_design.image.save(path)
    return path


@pytest.fixture(scope="session")
def poster_scene(poster_file: Path) -> Scene:
    import layerize

    return layerize.analyze(poster_file)


# ----------------------------------------------------------------------------- the fake Images API

from fakeimages import FAST, KEY, FakeImagesAPI  # noqa: E402


@pytest.fixture(scope="module")
def server():
    api = FakeImagesAPI()
    api.thread.start()
    yield api
    api.server.shutdown()
    api.server.server_close()


@pytest.fixture
def api(server, monkeypatch):
    """The fake API, reset, with OPENAI_API_KEY and OPENAI_BASE_URL pointing at it."""
    server.reset()
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", f"{server.url}/v1")
    return server




@pytest.fixture
def cfg_file(tmp_path) -> Path:
    """A config file with fast retries, as a user would write one."""
    path = tmp_path / "fast-retries.toml"
    path.write_text("[generate]\n" + "".join(f"{k} = {v}\n" for k, v in FAST.items()))
    return path
