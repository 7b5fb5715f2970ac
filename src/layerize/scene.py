"""The scene graph: the typed, JSON-serialisable contract between the stages.

A :class:`Scene` holds the canvas, the background plate (the input with text and
objects erased), and the nodes above it in z-order (bottom first): text blocks,
image objects and shapes. Every node records the engine that produced it and a
confidence. Images are stored as PNG ``data:`` URIs in JSON; on load a plain
path relative to the JSON file is accepted too, so a user can swap a picture.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from PIL import Image
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

SCHEMA_VERSION = "1.1"
READABLE_VERSIONS = ("1.0", "1.1")  # 1.1 added text effects and vertical text; 1.0 files still load
SCHEMA_ID = f"https://layerize.dev/schema/scene-{SCHEMA_VERSION}.json"


def png_bytes(image: Image.Image) -> bytes:
    """The PNG file of an image (deterministic for identical pixels)."""
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=False, compress_level=6)
    return buf.getvalue()


def encode_png(image: Image.Image) -> str:
    """PNG data URI of an image (deterministic for identical pixels)."""
    return "data:image/png;base64," + base64.b64encode(png_bytes(image)).decode("ascii")


def _decode_image(value: Any, info: ValidationInfo) -> Image.Image:
    """Accept a PIL image, a ``data:image/...;base64,`` URI or a path relative to the scene file."""
    if isinstance(value, Image.Image):
        return value
    if not isinstance(value, str):
        raise ValueError("an image must be a data URI or a file path")
    if value.startswith("data:"):
        header, _, payload = value.partition(",")
        if not header.endswith(";base64"):
            raise ValueError("image data URI must be base64 encoded")
        try:
            raw = base64.b64decode(payload, validate=True)
        except binascii.Error as exc:
            raise ValueError(f"bad base64 in image data URI: {exc}") from exc
        source: Any = io.BytesIO(raw)
    else:
        base = Path((info.context or {}).get("base_dir", "."))
        source = base / value
        if not source.is_file():
            raise ValueError(f"image file not found: {source}")
    try:
        with Image.open(source) as img:
            img.load()
            return img.convert("RGBA") if img.mode not in ("RGB", "RGBA") else img.copy()
    except OSError as exc:
        raise ValueError(f"unreadable image: {exc}") from exc


ImageData = Annotated[
    Image.Image,
    BeforeValidator(_decode_image),
    PlainSerializer(encode_png, return_type=str),
    WithJsonSchema(
        {"type": "string", "description": "PNG data URI, or a path relative to the scene file"}
    ),
]

Color = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$", description="sRGB colour as #rrggbb")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)


class Box(_Model):
    """Axis-aligned box in canvas pixels; ``x1``/``y1`` are exclusive."""

    x0: float
    y0: float
    x1: float
    y1: float

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

    engine: str
    confidence: float = Field(ge=0.0, le=1.0)


class Canvas(_Model):
    width: int = Field(gt=0)
    height: int = Field(gt=0)


class Source(_Model):
    """Where the scene came from: the input file's name and content hash."""

    path: str
    sha256: str


class Gradient(_Model):
    """A linear gradient from ``start`` to ``end`` across a node's box.

    ``angle`` is the direction in degrees, clockwise on screen from pointing
    right (90: top to bottom); the colours sit where the box ends along it.
    """

    start: Color
    end: Color
    angle: float = 0.0


class TextStroke(_Model):
    """An outline around the glyphs, drawn outside their edges (Photoshop's outside stroke)."""

    color: Color
    width_px: float = Field(gt=0, description="Width outside the glyph edge, canvas pixels")


class TextShadow(_Model):
    """A drop shadow: the text's silhouette (stroke included), shifted, blurred and laid under it."""

    color: Color = "#000000"
    opacity: float = Field(default=1.0, gt=0.0, le=1.0)
    dx: float = Field(description="Shift to the right in canvas pixels (not turned with the text)")
    dy: float = Field(description="Shift downwards in canvas pixels")
    blur_px: float = Field(default=0.0, ge=0.0, description="Standard deviation of the Gaussian blur, pixels")


class TextStyle(_Model):
    """Typography of a text block, measured from the pixels.

    ``color`` is the fill's dominant colour; a ``gradient``, when set, paints
    the fill instead, across the block's ink box in the text's own frame.
    """

    font_family: str = Field(description="Family name as PPTX and SVG name it, e.g. 'DejaVu Sans'")
    font_postscript: str = Field(description="PostScript name as PSD names it, e.g. 'DejaVuSans-Bold'")
    font_file: str | None = Field(default=None, description="Font file used to render and measure")
    font_index: int = Field(default=0, ge=0, description="The face's index when `font_file` is a collection (.ttc)")
    size_px: float = Field(gt=0, description="Em size in canvas pixels")
    weight: int = Field(default=400, ge=100, le=900)
    italic: bool = False
    color: Color = "#000000"
    align: Literal["left", "center", "right", "justify"] = "left"
    line_height_px: float = Field(gt=0, description="Baseline-to-baseline distance")
    letter_spacing_px: float = 0.0
    font_match: float | None = Field(default=None, description="Similarity of the chosen font to the ink (0..1)")
    gradient: Gradient | None = None
    stroke: TextStroke | None = None
    shadow: TextShadow | None = None


class TextRun(_Model):
    """A stretch of a line styled apart from its block: unset fields keep the block's style."""

    text: str = Field(min_length=1)
    color: Color | None = None
    weight: int | None = Field(default=None, ge=100, le=900)
    italic: bool | None = None


class TextLine(_Model):
    """One line of a text block as recognised, with its measured ink box."""

    text: str
    box: Box = Field(description="Ink box of the line in the input")
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)
    runs: list[TextRun] | None = Field(default=None, description="Style runs whose texts join to `text`; "
                                       "none: the block's style throughout")

    @model_validator(mode="after")
    def _runs_spell_the_text(self) -> TextLine:
        if self.runs is not None and "".join(run.text for run in self.runs) != self.text:
            raise ValueError("the texts of a line's runs must join to the line's text")
        return self


class TextBlock(_Model):
    """A paragraph: one editable text box made of one or more lines."""

    kind: Literal["text"] = "text"
    id: str
    name: str
    lines: list[TextLine] = Field(min_length=1)
    style: TextStyle
    x: float = Field(description="Anchor x: the left end, centre or right end of the lines by `style.align`")
    baseline: float = Field(description="y of the first line's baseline; later lines follow every line_height_px")
    rotation: float = Field(default=0.0, description="Degrees, counter-clockwise, about the anchor (x, baseline)")
    orientation: Literal["horizontal", "vertical"] = Field(
        default="horizontal", description="vertical: each line is a column of upright characters read top to "
        "bottom, columns right to left; the anchor is the first column's centre x and its top (`baseline`), "
        "later columns sit every line_height_px to the left, and `align` left/center/right means top/middle/bottom")
    fidelity: float | None = Field(default=None, description="How closely the block's re-render matches the "
                                   "input's ink (soft IoU, 0..1); low values deserve a look")
    provenance: Provenance

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    @property
    def box(self) -> Box:
        box = self.lines[0].box
        for line in self.lines[1:]:
            box = box.union(line.box)
        return box


class ImageObject(_Model):
    """A cut-out picture (product, photo, icon) with its own alpha."""

    kind: Literal["object"] = "object"
    id: str
    name: str
    label: str = "object"
    box: Box
    image: ImageData = Field(description="RGBA pixels covering `box`")
    in_plate: bool = Field(default=False, description="Also left in the background plate (else erased there)")
    provenance: Provenance


class Shape(_Model):
    """A native vector shape.

    ``polygon`` outlines ``points``; a ``line`` runs from ``points[0]`` to
    ``points[1]`` when given, else along the long axis of ``box``. A
    ``gradient`` replaces the solid ``fill``.
    """

    kind: Literal["shape"] = "shape"
    id: str
    name: str
    shape: Literal["rect", "ellipse", "line", "polygon"]
    box: Box
    fill: Color | None = None
    gradient: Gradient | None = None
    stroke: Color | None = None
    stroke_width: float = 0.0
    corner_radius: float = 0.0
    points: list[tuple[float, float]] | None = Field(default=None, description="Canvas points of a polygon or line")
    in_plate: bool = Field(default=False, description="Also left in the background plate (else erased there)")
    provenance: Provenance


Node = Annotated[Union[TextBlock, ImageObject, Shape], Field(discriminator="kind")]


class Background(_Model):
    """The plate under every node: the input with its text and objects inpainted away."""

    image: ImageData
    provenance: Provenance


class Scene(_Model):
    """A reconstructed design: canvas, background plate and nodes (bottom to top)."""

    model_config = ConfigDict(json_schema_extra={"$id": SCHEMA_ID})

    schema_version: Literal[READABLE_VERSIONS] = SCHEMA_VERSION  # type: ignore[valid-type]
    canvas: Canvas
    source: Source | None = None
    original: ImageData | None = Field(default=None, description="The flat input image, for reference")
    background: Background
    nodes: list[Node] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict)

    @field_validator("schema_version")
    @classmethod
    def _upgrade(cls, version: str) -> str:
        """Older versions are subsets of this one: a loaded scene is current."""
        return SCHEMA_VERSION

    @property
    def texts(self) -> list[TextBlock]:
        return [n for n in self.nodes if isinstance(n, TextBlock)]

    def to_json(self) -> str:
        """The scene as JSON text (stable key order, no trailing whitespace)."""
        return json.dumps(self.model_dump(mode="json"), indent=1, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str, base_dir: Path | str = ".") -> Scene:
        """Parse JSON text; relative image paths resolve against ``base_dir``."""
        return cls.model_validate_json(text, context={"base_dir": str(base_dir)})

    def save(self, path: Path | str) -> None:
        """Write the scene as JSON, atomically."""
        from .files import atomic_write_bytes

        atomic_write_bytes(Path(path), self.to_json().encode("utf-8"))

    @classmethod
    def load(cls, path: Path | str) -> Scene:
        path = Path(path)
        return cls.from_json(path.read_text(encoding="utf-8"), base_dir=path.parent)

    def export(self, path: Path | str, format: str | None = None) -> Path:
        """Write this scene to ``path`` with the exporter for ``format`` (default: the extension)."""
        from .exporting import export

        return export(self, path, format)


def json_schema() -> dict[str, Any]:
    """The published JSON Schema of the scene graph."""
    schema = Scene.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
