"""Test helpers of the translation tests: a poster scene with a title, a button, a paragraph, a price and
a styled line, and readers of a block's text and box back from each exported format."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import resvg_py
from conftest import text_block
from lxml import etree
from PIL import Image
from pptx import Presentation

from layerize.scene import Background, Box, Canvas, Provenance, Scene, Shape, TextLine, TextRun
from layerize.translate.refit import Frame, frame_of

SVG = "{http://www.w3.org/2000/svg}"
PROV = Provenance(engine="test", confidence=1.0)


def poster() -> Scene:
    """An 800x500 poster on a plain plate: the nodes the issue's German, Chinese and Arabic texts go into."""
    styled = text_block("offer", ["Now $19 only"], 40, 470, size=26)
    styled = styled.model_copy(update={"lines": [TextLine(text="Now $19 only", box=styled.lines[0].box, runs=[
        TextRun(text="Now "), TextRun(text="$19", color="#d62828", weight=700), TextRun(text=" only")])]})
    nodes = [
        text_block("title", ["SUMMER SALE"], 400, 110, size=72, family="Liberation Sans", weight=700,
                   align="center").model_copy(update={"role": "title"}),
        Shape(id="button", name="Button", shape="rect", box=Box(x0=40, y0=330, x1=200, y1=380), fill="#2050a0",
              corner_radius=8, provenance=PROV),
        text_block("cta", ["SHOP NOW"], 120, 364, size=22, weight=700, color="#ffffff", align="center"),
        text_block("body", ["Fresh beans, roasted", "every single morning"], 40, 190, size=24),
        text_block("price", ["$19.99"], 760, 420, size=48, color="#d62828", align="right").model_copy(
            update={"role": "price"}),
        styled,
    ]
    plate = Image.new("RGB", (800, 500), (245, 240, 230))
    return Scene(canvas=Canvas(width=800, height=500), background=Background(image=plate, provenance=PROV),
                 nodes=nodes)


GERMAN = {"title": "MEGA-AUSVERKAUF", "cta": "JETZT EINKAUFEN",
          "body": "Frische Bohnen, jeden einzelnen Morgen schonend geröstet", "price": "19,99 €",
          "offer": "Jetzt nur {1}19 €{/1}"}
CHINESE = {"title": "大促销", "cta": "立即购买", "body": "新鲜咖啡豆，每天早上烘焙", "price": "¥129"}
ARABIC = {"title": "تخفيضات", "cta": "تسوق الآن", "body": "حبوب طازجة محمصة كل صباح"}


def frames(scene: Scene) -> dict[str, Frame]:
    return {block.id: frame_of(block, scene.canvas) for block in scene.texts}


def within(box: tuple[float, float, float, float], frame: Frame, tolerance: float) -> bool:
    """Whether ``(x0, y0, x1, y1)`` lies in ``frame`` (an unrotated block's box) give or take ``tolerance``."""
    x0, y0, x1, y1 = box
    return (x0 >= frame.left - tolerance and y0 >= frame.top - tolerance and x1 <= frame.right + tolerance
            and y1 <= frame.bottom + tolerance)


def svg_alone(path: Path, block_id: str) -> Image.Image:
    """The exported SVG drawn by resvg with only one text element (and the defs) left."""
    root = etree.parse(str(path)).getroot()
    for element in list(root):
        if element.tag != SVG + "defs" and element.get("id") != block_id:
            root.remove(element)
    return Image.open(io.BytesIO(bytes(resvg_py.svg_to_bytes(svg_string=etree.tostring(root).decode())))
                      ).convert("RGBA")


def svg_texts(path: Path) -> dict[str, tuple[str, float]]:
    """Each ``<text>``'s id, its lines joined by newlines and its font size."""
    root = etree.parse(str(path)).getroot()
    return {t.get("id"): ("\n".join("".join(line.itertext()) for line in t.findall(SVG + "tspan")),
                          float(t.get("font-size"))) for t in root.iter(SVG + "text")}


def pptx_boxes(path: Path, canvas_width: int) -> dict[str, tuple[str, tuple[float, float, float, float], float]]:
    """Each text box by name: its text, its box in canvas pixels and its first run's size in pixels."""
    prs = Presentation(str(path))
    px = prs.slide_width / canvas_width  # EMU per canvas pixel
    found = {}
    for shape in prs.slides[0].shapes:
        if shape.has_text_frame and shape.text_frame.text.strip():
            run = shape.text_frame.paragraphs[0].runs[0]
            box = (shape.left / px, shape.top / px, (shape.left + shape.width) / px, (shape.top + shape.height) / px)
            found[shape.name] = (shape.text_frame.text.replace("\x0b", "\n"), box, run.font.size / px)
    return found


def ink(image: Image.Image) -> np.ndarray:
    """The text's coverage, cropped to its ink."""
    alpha = np.asarray(image.getchannel("A")) > 96
    ys, xs = np.nonzero(alpha)
    return alpha[ys.min():ys.max() + 1, xs.min():xs.max() + 1]


def shape_match(a: np.ndarray, b: np.ndarray) -> float:
    """IoU of two coverages scaled to the same size (position-free: the glyph shapes and their order)."""
    size = (max(a.shape[1], b.shape[1]), max(a.shape[0], b.shape[0]))
    x, y = (np.asarray(Image.fromarray(v.astype(np.uint8) * 255).resize(size)) > 127 for v in (a, b))
    return float((x & y).sum() / max(1, (x | y).sum()))
