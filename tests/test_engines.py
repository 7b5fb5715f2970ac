"""Engines: ``layerize.analyze`` takes instances as well as names, and a third party adds an engine
through an entry point, as it adds an exporter."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np

import layerize
from layerize.config import InpaintConfig, OcrConfig, load_config
from layerize.inpaint import erase
from layerize.inpaint.plane import PlaneInpainter
from layerize.registry import INPAINTERS, OCR_ENGINES


class CountingOcr:
    """An OCR engine instance of the user's: the built-in one, counting its calls."""

    name = "counting"

    def __init__(self) -> None:
        self.inner = OCR_ENGINES.create("rapidocr", OcrConfig())
        self.calls = 0

    def read(self, image: np.ndarray) -> list:
        self.calls += 1
        return self.inner.read(image)

    def recognise(self, image: np.ndarray):
        return self.inner.recognise(image)


def test_analyze_takes_engine_instances(poster_file):
    ocr = CountingOcr()
    scene = layerize.analyze(poster_file, ocr=ocr, inpainter=PlaneInpainter(), segmenters=[])
    assert ocr.calls >= 1 and scene.metadata["ocr_engine"] == "counting"
    assert scene.background.provenance.engine == "plane"
    assert "Fresh Coffee" in [block.text for block in scene.texts]
    assert [node.kind for node in scene.nodes if node.kind != "text"] == []  # no segmenter ran


def _third_party(folder: Path) -> None:
    """An installed distribution with one inpainter, registered as a third party would register it."""
    (folder / "grey_inpaint.py").write_text(textwrap.dedent('''
        import numpy as np

        class GreyInpainter:
            name = "grey"

            def __init__(self, cfg=None):
                self.cfg = cfg

            def fill(self, image, mask):
                out = image.copy()
                out[mask] = 128
                return out
    '''))
    info = folder / "grey_inpaint-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: grey-inpaint\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[layerize.inpainters]\ngrey = grey_inpaint:GreyInpainter\n")


def test_a_third_party_engine_comes_in_through_its_entry_point(tmp_path, monkeypatch, poster_file):
    _third_party(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert "grey" in INPAINTERS.names()
    image = np.zeros((20, 20, 3), np.uint8)
    mask = np.zeros((20, 20), bool)
    mask[5:10, 5:10] = True
    assert (erase(image, mask, "grey")[mask] == 128).all()
    engine = INPAINTERS.create("grey", InpaintConfig(engine="grey"))
    assert engine.cfg.engine == "grey"  # built with its stage's config section, like the built-in ones
    cfg = load_config("default").model_copy(update={"inpaint": InpaintConfig(engine="grey")})
    assert layerize.analyze(poster_file, cfg).background.provenance.engine == "grey"


def test_a_long_banner_reaches_the_ocr_padded_not_stretched(tmp_path):
    """A 16:1 banner is padded to 4:1 for the detector (which scales the short side up), and still read."""
    from PIL import Image, ImageDraw

    from layerize.fonts import catalogue, load_font

    banner = Image.new("RGB", (1600, 100), (250, 240, 200))
    face = catalogue().resolve("DejaVu Sans", 700)
    ImageDraw.Draw(banner).text((40, 72), "SUMMER SALE TODAY", font=load_font(face.path, 56), fill=(20, 20, 20),
                                 anchor="ls")
    banner.save(tmp_path / "banner.png")
    engine = OCR_ENGINES.create("rapidocr", OcrConfig())
    shapes = []
    inner = engine._engine
    engine._engine = lambda image, **steps: shapes.append(image.shape) or inner(image, **steps)
    scene = layerize.analyze(tmp_path / "banner.png", ocr=engine, segmenters=[])
    assert shapes and all(max(h, w) <= 4 * min(h, w) + 1 for h, w, _ in shapes), shapes
    assert "SUMMER SALE TODAY" in " ".join(block.text for block in scene.texts)
