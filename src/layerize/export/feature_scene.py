"""The feature scene: one scene that uses every optional feature of the scene graph, for conformance tests.

It is built from the installed fonts (DejaVu Sans, a family with a light face
such as Inter or Lato, and a CJK family such as Noto Sans CJK), on a white
plate so a drawing of any export can be checked pixel by pixel.
"""

from __future__ import annotations

from PIL import Image, ImageDraw, ImageFilter

from ..fonts import FontFace, catalogue
from ..primitives.color import hex_to_rgb
from ..render import ink_box
from ..scene import (
    Background,
    Box,
    Canvas,
    Gradient,
    ImageObject,
    Provenance,
    Scene,
    Shape,
    TextBlock,
    TextLine,
    TextRun,
    TextShadow,
    TextStroke,
    TextStyle,
)

PROV = Provenance(engine="conformance", confidence=1.0)
WHITE = "#ffffff"
SOFT_EDGE_PX = 6
"""Blur radius of the picture's alpha edge: its pixels fade from opaque to transparent (soft alpha)."""


def _face(families: tuple[str, ...], weight: int = 400, italic: bool = False) -> FontFace:
    """The first of ``families`` installed with exactly that weight and slant (else the catalogue's best)."""
    fonts = catalogue()
    for family in families:
        face = fonts.find(family, weight, italic)
        if face is not None and (face.weight, face.italic) == (weight, italic):
            return face
    return fonts.resolve(families[0], weight, italic)


def _block(id: str, lines: list[str | list[TextRun]], x: float, baseline: float, face: FontFace, size: float,
           color: str = "#202020", **fields: object) -> TextBlock:
    """A text block in ``face``; a line given as runs keeps them; line boxes are its own ink box."""
    style_fields = {k: fields.pop(k) for k in list(fields) if k in TextStyle.model_fields}
    style = TextStyle(font_family=face.family, font_postscript=face.postscript, font_file=face.path,
                      font_index=face.index, size_px=size, weight=face.weight, italic=face.italic, color=color,
                      line_height_px=size * 1.25, **style_fields)
    spot = Box(x0=x, y0=baseline - size, x1=x + 1, y1=baseline)
    text_lines = [TextLine(text=line, box=spot) if isinstance(line, str)
                  else TextLine(text="".join(r.text for r in line), box=spot, runs=line) for line in lines]
    block = TextBlock(id=id, lines=text_lines, style=style, x=x, baseline=baseline, provenance=PROV, **fields)
    box = ink_box(block) or spot
    return block.model_copy(update={"lines": [line.model_copy(update={"box": box}) for line in text_lines]})


def _soft_picture(size: tuple[int, int], color: tuple[int, int, int]) -> Image.Image:
    """An ellipse of ``color`` whose edge fades out: a cut-out with soft alpha."""
    alpha = Image.new("L", size, 0)
    ImageDraw.Draw(alpha).ellipse((12, 12, size[0] - 13, size[1] - 13), fill=255)
    picture = Image.new("RGBA", size, color + (0,))
    picture.putalpha(alpha.filter(ImageFilter.GaussianBlur(SOFT_EDGE_PX)))
    return picture


def _circle(cx: float, cy: float, r: float, clockwise: bool = True) -> list[tuple[tuple[float, float], ...]]:
    """A circle as four Bézier quarters (knots: incoming handle, anchor, outgoing handle)."""
    h = r * 0.5523
    knots = [((cx - h, cy - r), (cx, cy - r), (cx + h, cy - r)), ((cx + r, cy - h), (cx + r, cy), (cx + r, cy + h)),
             ((cx + h, cy + r), (cx, cy + r), (cx - h, cy + r)), ((cx - r, cy + h), (cx - r, cy), (cx - r, cy - h))]
    return knots if clockwise else [(after, anchor, before) for before, anchor, after in reversed(knots)]


def feature_scene() -> Scene:
    """A 1280 x 900 scene on white that uses every feature of :data:`~layerize.scene.FEATURES`.

    Shapes (rect, rounded, ellipse, line, polygon, a gradient rectangle, a
    stroked rect, a stroked concave polygon, a dashed line, a dashed unfilled frame and a ring as a Bézier
    path with a hole), then texts (the line "Sale 50%
    off now" with "50%" red and "now" bold, an italic run, an italic block, a
    light block, letter spacing, justify, stroke, shadow, gradient, a rotated
    block, a vertical CJK block, a title and a block a user named), then a
    soft-alpha picture over the last text. Nothing else overlaps.
    """
    sans, bold, oblique = (_face(("DejaVu Sans",), w, i) for w, i in ((400, False), (700, False), (400, True)))
    light = _face(("Inter", "Lato", "Noto Sans", "DejaVu Sans"), 300)
    cjk = _face(("Noto Sans CJK JP", "Noto Sans CJK SC", "Droid Sans Fallback"))
    shapes = [Shape(provenance=PROV, **fields) for fields in [
        dict(id="rect", name="Shape: rect", shape="rect", box=Box(x0=40, y0=40, x1=180, y1=140), fill="#3060c0"),
        dict(id="rounded", name="Shape: rounded", shape="rect", box=Box(x0=220, y0=40, x1=360, y1=140),
              fill="#30a060", corner_radius=20),
        dict(id="ellipse", name="Shape: ellipse", shape="ellipse", box=Box(x0=400, y0=40, x1=540, y1=140),
              fill="#e0a020"),
        dict(id="line", name="Shape: line", shape="line", box=Box(x0=580, y0=88, x1=730, y1=92),
              points=[(580, 90), (730, 90)], stroke="#202020", stroke_width=4),
        dict(id="polygon", name="Shape: triangle", shape="polygon", box=Box(x0=770, y0=40, x1=910, y1=140),
              points=[(770, 140), (840, 40), (910, 140)], fill="#a040a0"),
        dict(id="gradient", name="Shape: gradient", shape="rect", box=Box(x0=950, y0=40, x1=1240, y1=140),
              gradient=Gradient(start="#ff0000", end="#0000ff", angle=0)),
        dict(id="stroked-rect", name="Shape: stroked rect", shape="rect", box=Box(x0=40, y0=190, x1=200, y1=290),
              fill="#f0e0c0", stroke="#802020", stroke_width=6),
        dict(id="stroked-polygon", name="Shape: arrow", shape="polygon", box=Box(x0=240, y0=190, x1=420, y1=290),
              points=[(240, 215), (350, 215), (350, 190), (420, 240), (350, 290), (350, 265), (240, 265)],
              fill="#c0e0f0", stroke="#204080", stroke_width=5),
        dict(id="dashed-line", name="Shape: dashed line", shape="line", box=Box(x0=40, y0=320, x1=400, y1=324),
              points=[(40, 322), (400, 322)], stroke="#404040", stroke_width=4, dash=(12, 6)),
        dict(id="dashed-frame", name="Shape: dashed frame", shape="rect", box=Box(x0=470, y0=306, x1=900, y1=344),
              stroke="#206020", stroke_width=3, dash=(9, 5)),
        dict(id="path", name="Shape: ring", shape="path", box=Box(x0=950, y0=190, x1=1050, y1=290),
              subpaths=[_circle(1000, 240, 50), _circle(1000, 240, 25, clockwise=False)], fill="#208080"),
    ]]
    runs = [TextRun(text="Sale "), TextRun(text="50%", color="#e01010"), TextRun(text=" off "),
            TextRun(text="now", weight=700)]
    texts = [
        _block("text-runs", [runs, [TextRun(text="ends "), TextRun(text="today", italic=True)]], 470, 230, sans, 44),
        _block("text-vertical", ["縦書き", "見出し"], 1200, 200, cjk, 40, orientation="vertical"),
        _block("text-italic", ["Fresh & light"], 40, 390, oblique, 40),
        _block("text-light", ["Light weight"], 420, 390, light, 40),
        _block("text-spaced", ["SPACED"], 780, 390, bold, 36, letter_spacing_px=8.0),
        _block("text-justify", ["Justified text set", "in two lines"], 40, 480, sans, 30, align="justify"),
        _block("text-stroke", ["Outline"], 420, 510, bold, 56, color="#ffcc00",
               stroke=TextStroke(color="#000000", width_px=3)),
        _block("text-shadow", ["Shadow"], 780, 510, bold, 56, color="#2040c0",
               shadow=TextShadow(color="#000000", opacity=0.7, dx=5, dy=6, blur_px=2)),
        _block("text-gradient", ["Gradient"], 40, 650, bold, 64, gradient=Gradient(start="#ff0000", end="#0000ff")),
        _block("text-rotated", ["Tilted"], 440, 660, bold, 48, rotation=20.0),
        _block("text-title", ["Fresh Coffee"], 760, 630, bold, 40, role="title"),
        _block("text-named", ["Our promise"], 760, 700, sans, 30, name="Promise (mine)"),
        _block("text-under", ["Under the picture"], 40, 800, sans, 40),
    ]
    picture = ImageObject(id="picture", name="Picture: soft", box=Box(x0=200, y0=730, x1=360, y1=880),
                          image=_soft_picture((160, 150), (240, 120, 20)), provenance=PROV)
    return Scene(canvas=Canvas(width=1280, height=900), nodes=[*shapes, *texts, picture], background=Background(
        image=Image.new("RGB", (1280, 900), hex_to_rgb(WHITE)), provenance=PROV))
