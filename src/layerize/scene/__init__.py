"""The scene graph: the typed, JSON-serialisable contract between the stages.

A :class:`Scene` holds the canvas, the background plate (the input with text and
objects erased), and the nodes above it in z-order (bottom first): text blocks,
image objects and shapes. Every node records the engine that produced it and a
confidence. Images are stored as PNG ``data:`` URIs in JSON; on load a plain
path relative to the JSON file is accepted too, so a user can swap a picture.
The scene graph imports no stage: it is plain data (:mod:`.nodes`), its images
(:mod:`.images`), the optional features exporters declare (:mod:`.features`)
and the document (:mod:`.document`).
"""

from .document import READABLE_VERSIONS, SCHEMA_ID, SCHEMA_VERSION, Scene, json_schema
from .features import FEATURES
from .images import ImageData, encode_png, png_bytes
from .nodes import (
    Background,
    Box,
    Canvas,
    Color,
    Gradient,
    ImageObject,
    Node,
    Provenance,
    Role,
    Shape,
    Source,
    TextBlock,
    TextLine,
    TextRun,
    TextShadow,
    TextStroke,
    TextStyle,
    text_layer_name,
)

__all__ = [
    "FEATURES", "READABLE_VERSIONS", "SCHEMA_ID", "SCHEMA_VERSION", "Background", "Box", "Canvas", "Color",
    "Gradient", "ImageData", "ImageObject", "Node", "Provenance", "Role", "Scene", "Shape", "Source", "TextBlock",
    "TextLine", "TextRun", "TextShadow", "TextStroke", "TextStyle", "encode_png", "json_schema", "png_bytes",
    "text_layer_name",
]
