"""The nodes of the scene graph: boxes, styles, text blocks, image objects and shapes."""

from __future__ import annotations

import math
from typing import Annotated, Literal, Union

from PIL import Image
from pydantic import BaseModel, ConfigDict, Field, model_validator

from .images import ImageData

# Bounds of every number and list a scene graph may hold: a scene file is untrusted input, and these keep
# a hostile or broken one from making the exporters allocate without limit (all values are finite too).
MAX_SIDE = 300_000
"""Largest canvas side (PSB's limit); the pixel count is bounded by the config's ``[limits]`` on load."""
MAX_COORD = 1_000_000.0
"""Coordinates stay within this many pixels of the origin (room for anything placed off the canvas)."""
MAX_FONT_PX = 10_000.0
"""Largest em size, line height and letter spacing in pixels."""
MAX_EFFECT_PX = 1_000.0
"""Largest stroke width, shadow offset and shadow blur in pixels."""
MAX_CHARS = 10_000
"""Longest text of one line, and longest name."""
MAX_ITEMS = 10_000
"""Most lines in a block, runs in a line, points in a polygon and nodes in a scene."""

Color = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$", description="sRGB colour as #rrggbb")]
Coord = Annotated[float, Field(ge=-MAX_COORD, le=MAX_COORD)]
Angle = Annotated[float, Field(ge=-3600.0, le=3600.0, description="Degrees")]
Name = Annotated[str, Field(max_length=MAX_CHARS)]
DashLength = Annotated[float, Field(ge=0.5, le=MAX_EFFECT_PX)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True, allow_inf_nan=False)


class Box(_Model):
    """Axis-aligned box in canvas pixels; ``x1``/``y1`` are exclusive."""

    x0: Coord
    y0: Coord
    x1: Coord
    y1: Coord

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    def union(self, other: Box) -> Box:
        return Box(
            x0=min(self.x0, other.x0),
            y0=min(self.y0, other.y0),
            x1=max(self.x1, other.x1),
            y1=max(self.y1, other.y1),
        )


class Provenance(_Model):
    """Which engine produced a node and how sure it was (0..1)."""

    engine: Name
    confidence: float = Field(ge=0.0, le=1.0)


class Canvas(_Model):
    width: int = Field(gt=0, le=MAX_SIDE)
    height: int = Field(gt=0, le=MAX_SIDE)


class Source(_Model):
    """Where the scene came from: the input file's name and content hash."""

    path: Name
    sha256: Name


class Gradient(_Model):
    """A linear gradient from ``start`` to ``end`` across a node's box.

    ``angle`` is the direction in degrees, clockwise on screen from pointing
    right (90: top to bottom); the colours sit where the box ends along it.
    """

    start: Color
    end: Color
    angle: Angle = 0.0


class TextStroke(_Model):
    """An outline around the glyphs, drawn outside their edges (Photoshop's outside stroke)."""

    color: Color
    width_px: float = Field(gt=0, le=MAX_EFFECT_PX, description="Width outside the glyph edge, canvas pixels")


class TextShadow(_Model):
    """A drop shadow: the text's silhouette (stroke included), shifted, blurred and laid under it."""

    color: Color = "#000000"
    opacity: float = Field(default=1.0, gt=0.0, le=1.0)
    dx: float = Field(ge=-MAX_EFFECT_PX, le=MAX_EFFECT_PX,
                      description="Shift to the right in canvas pixels (not turned with the text)")
    dy: float = Field(ge=-MAX_EFFECT_PX, le=MAX_EFFECT_PX, description="Shift downwards in canvas pixels")
    blur_px: float = Field(default=0.0, ge=0.0, le=MAX_EFFECT_PX,
                           description="Standard deviation of the Gaussian blur, pixels")


class TextStyle(_Model):
    """Typography of a text block, measured from the pixels.

    ``color`` is the fill's dominant colour; a ``gradient``, when set, paints
    the fill instead, across the block's ink box in the text's own frame.
    """

    font_family: Name = Field(description="Family name as PPTX and SVG name it, e.g. 'DejaVu Sans'")
    font_postscript: Name = Field(description="PostScript name as PSD names it, e.g. 'DejaVuSans-Bold'")
    font_file: Name | None = Field(default=None, description="Font file used to render and measure (used only "
                                   "when it is a font of the catalogue; else the family is looked up)")
    font_index: int = Field(default=0, ge=0, le=MAX_ITEMS,
                            description="The face's index when `font_file` is a collection (.ttc)")
    size_px: float = Field(gt=0, le=MAX_FONT_PX, description="Em size in canvas pixels")
    weight: int = Field(default=400, ge=100, le=900)
    italic: bool = False
    color: Color = "#000000"
    align: Literal["left", "center", "right", "justify"] = "left"
    line_height_px: float = Field(gt=0, le=MAX_FONT_PX, description="Baseline-to-baseline distance")
    letter_spacing_px: float = Field(default=0.0, ge=-MAX_FONT_PX, le=MAX_FONT_PX)
    font_match: float | None = Field(default=None, description="Similarity of the chosen font to the ink (0..1)")
    gradient: Gradient | None = None
    stroke: TextStroke | None = None
    shadow: TextShadow | None = None


class TextRun(_Model):
    """A stretch of a line styled apart from its block: unset fields keep the block's style."""

    text: str = Field(min_length=1, max_length=MAX_CHARS)
    color: Color | None = None
    weight: int | None = Field(default=None, ge=100, le=900)
    italic: bool | None = None


class TextLine(_Model):
    """One line of a text block as recognised, with its measured ink box."""

    text: str = Field(max_length=MAX_CHARS)
    box: Box = Field(description="Ink box of the line in the input")
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)
    runs: list[TextRun] | None = Field(default=None, max_length=MAX_ITEMS,
                                       description="Style runs whose texts join to `text`; "
                                       "none: the block's style throughout")

    @model_validator(mode="after")
    def _runs_spell_the_text(self) -> TextLine:
        if self.runs is not None and "".join(run.text for run in self.runs) != self.text:
            raise ValueError("the texts of a line's runs must join to the line's text")
        return self


Role = Literal["title", "price", "text"]
ROLE_TITLES: dict[str, str] = {"title": "Title", "price": "Price", "text": "Text"}
NAME_CHARS = 40
"""A layer named after its text quotes this many characters of it at most."""


def text_layer_name(role: str, text: str) -> str:
    """``Role: text`` as a layer name, the text's white space collapsed and cut to :data:`NAME_CHARS`."""
    words = " ".join(text.split())
    short = words if len(words) <= NAME_CHARS else words[:NAME_CHARS - 1] + "…"
    return f"{ROLE_TITLES[role]}: {short}"


class TextBlock(_Model):
    """A paragraph: one editable text box made of one or more lines.

    Its layer is named after its ``role`` and its text (so the name follows an
    edit of the text) unless a user gave it a ``name``.
    """

    kind: Literal["text"] = "text"
    id: Name
    name: Name | None = Field(default=None, description="The layer's name when a user set one; none: "
                             "'Role: text', following the text")
    role: Role = Field(default="text", description="What the text is in the design: title, price or text")
    lines: list[TextLine] = Field(min_length=1, max_length=MAX_ITEMS)
    style: TextStyle
    x: Coord = Field(description="Anchor x: the left end, centre or right end of the lines by `style.align`")
    baseline: Coord = Field(description="y of the first line's baseline; later lines follow every line_height_px")
    rotation: Angle = Field(default=0.0, description="Degrees, counter-clockwise, about the anchor (x, baseline)")
    orientation: Literal["horizontal", "vertical"] = Field(
        default="horizontal", description="vertical: each line is a column of upright characters read top to "
        "bottom, columns right to left; the anchor is the first column's centre x and its top (`baseline`), "
        "later columns sit every line_height_px to the left, and `align` left/center/right means top/middle/bottom")
    fidelity: float | None = Field(default=None, ge=0.0, le=1.0, description="How closely the block's re-render "
                                   "matches the input's ink (soft IoU, 0..1); low values deserve a look")
    provenance: Provenance

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    @property
    def layer_name(self) -> str:
        """The name its layer gets: the user's, else its role and its current text."""
        return self.name or text_layer_name(self.role, self.text)

    def with_text(self, text: str) -> TextBlock:
        """This block showing ``text`` as it is: a line per line of it, each keeping the box of the line it
        replaces (the last one's beyond), the block's style, place and size throughout."""
        boxes = [line.box for line in self.lines]
        lines = [TextLine(text=t, box=boxes[min(i, len(boxes) - 1)]) for i, t in enumerate(text.split("\n"))]
        return self.model_copy(update={"lines": lines})

    @property
    def box(self) -> Box:
        box = self.lines[0].box
        for line in self.lines[1:]:
            box = box.union(line.box)
        return box


class ImageObject(_Model):
    """A cut-out picture (product, photo, icon) with its own alpha."""

    kind: Literal["object"] = "object"
    id: Name
    name: Name
    label: Name = "object"
    box: Box
    image: ImageData = Field(description="RGBA pixels covering `box`")
    in_plate: bool = Field(default=False, description="Also left in the background plate (else erased there)")
    provenance: Provenance

    @property
    def layer_name(self) -> str:
        return self.name

    def placed(self) -> tuple[Image.Image, tuple[int, int]]:
        """Its RGBA pixels scaled to its box (rounded to whole pixels), and the box's top-left corner."""
        left, top = round(self.box.x0), round(self.box.y0)
        size = (max(1, round(self.box.x1) - left), max(1, round(self.box.y1) - top))
        image = self.image.convert("RGBA")
        return (image if image.size == size else image.resize(size, Image.LANCZOS)), (left, top)


Point = tuple[Coord, Coord]
Knot = tuple[Point, Point, Point]
"""A Bézier anchor with its handles: (incoming handle, anchor, outgoing handle); a corner's handles are its anchor."""


class Shape(_Model):
    """A native vector shape.

    ``polygon`` outlines ``points``; a ``line`` runs from ``points[0]`` to
    ``points[1]`` when given, else along the long axis of ``box``; a ``path``
    (a traced icon or logo) fills its closed Bézier ``subpaths`` by the
    even-odd rule, so a subpath inside another is a hole, and has no stroke. A ``gradient``
    replaces the solid ``fill``. A ``dash`` (dash and gap lengths, px) breaks a line's rule or a
    stroke into dashes from its start (a rect's top-left corner, clockwise).
    """

    kind: Literal["shape"] = "shape"
    id: Name
    name: Name
    shape: Literal["rect", "ellipse", "line", "polygon", "path"]
    box: Box
    fill: Color | None = None
    gradient: Gradient | None = None
    stroke: Color | None = None
    stroke_width: float = Field(default=0.0, ge=0.0, le=MAX_EFFECT_PX)
    corner_radius: float = Field(default=0.0, ge=0.0, le=MAX_COORD)
    dash: tuple[DashLength, DashLength] | None = Field(
        default=None, description="Dash and gap lengths (px) of a dashed line or stroke; None: solid")
    points: list[tuple[Coord, Coord]] | None = Field(default=None, max_length=MAX_ITEMS,
                                                     description="Canvas points of a polygon or line")
    subpaths: list[Annotated[list[Knot], Field(min_length=2)]] | None = Field(
        default=None, max_length=MAX_ITEMS, description="Closed Bézier subpaths of a path, knots in canvas pixels")
    in_plate: bool = Field(default=False, description="Also left in the background plate (else erased there)")
    provenance: Provenance

    @model_validator(mode="after")
    def _bounded_path(self) -> Shape:
        if self.subpaths is not None and sum(map(len, self.subpaths)) > MAX_ITEMS:
            raise ValueError(f"a path holds at most {MAX_ITEMS} knots")
        if self.shape == "path" and not self.subpaths:
            raise ValueError("a path shape needs its subpaths")
        if self.shape == "path" and self.stroke and self.stroke_width > 0:
            raise ValueError("a path shape has no stroke (its outline can be one more subpath)")
        if self.dash and self.shape != "line" and not (self.stroke and self.stroke_width > 0):
            raise ValueError("a dash breaks a line or a stroke: this shape has neither")
        if self.dash and self._outline_length() / sum(self.dash) > MAX_ITEMS:
            raise ValueError(f"a dashed stroke has at most {MAX_ITEMS} dashes")
        return self

    def _outline_length(self) -> float:
        """The length of its polygon's edges, else at least its outline's (the box's perimeter)."""
        if self.shape == "polygon" and self.points:
            return sum(math.dist(a, b) for a, b in zip(self.points, [*self.points[1:], self.points[0]]))
        return 2 * (self.box.width + self.box.height)

    @property
    def layer_name(self) -> str:
        return self.name


Node = Annotated[Union[TextBlock, ImageObject, Shape], Field(discriminator="kind")]


class Background(_Model):
    """The plate under every node: the input with its text and objects inpainted away."""

    image: ImageData
    provenance: Provenance


