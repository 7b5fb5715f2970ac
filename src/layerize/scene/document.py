"""The scene graph document: canvas, background plate and nodes, as versioned JSON."""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import ConfigDict, Field, ValidationInfo, field_validator, model_validator

from ..files import atomic_path, atomic_write_bytes
from ..registry import EXPORTERS, format_for
from .features import FEATURES, scene_features
from .images import MAX_IMAGE_PIXELS, ImageData
from .nodes import MAX_ITEMS, ROLE_TITLES, Background, Canvas, Node, Source, TextBlock, _Model

log = logging.getLogger("layerize")

ROLES_BY_TITLE = {title: role for role, title in ROLE_TITLES.items()}
MAX_SCENE_BYTES = 512 * 2**20
"""Largest scene file read: room for a big canvas's images as data URIs, not for a memory bomb."""

SCHEMA_VERSION = "1.4"
READABLE_VERSIONS = ("1.0", "1.1", "1.2", "1.3", "1.4")
"""1.1 added text effects and vertical text; 1.2 a text block's ``role``, its ``name`` only when a user set one;
1.3 path shapes (traced icons and logos); 1.4 dashed lines and strokes."""
SCHEMA_ID = f"https://layerize.dev/schema/scene-{SCHEMA_VERSION}.json"

class Scene(_Model):
    """A reconstructed design: canvas, background plate and nodes (bottom to top)."""

    model_config = ConfigDict(json_schema_extra={"$id": SCHEMA_ID})

    schema_version: Literal[READABLE_VERSIONS] = SCHEMA_VERSION  # type: ignore[valid-type]
    canvas: Canvas
    source: Source | None = None
    original: ImageData | None = Field(default=None, description="The flat input image, for reference")
    background: Background
    nodes: list[Node] = Field(default_factory=list, max_length=MAX_ITEMS)
    metadata: dict[str, Any] = Field(default_factory=dict)

    @field_validator("schema_version")
    @classmethod
    def _upgrade(cls, version: str) -> str:
        """Older versions are subsets of this one: a loaded scene is current."""
        return SCHEMA_VERSION

    @model_validator(mode="before")
    @classmethod
    def _roles_from_names(cls, data: Any) -> Any:
        """Before 1.2 a text block stored the name derived from its text ('Title: …'): it becomes the
        block's role, so the layer's name follows the text from now on. Other names are the user's."""
        if not isinstance(data, dict) or data.get("schema_version") not in ("1.0", "1.1"):
            return data
        nodes = []
        for node in data.get("nodes") or []:
            if isinstance(node, dict) and node.get("kind") == "text" and "role" not in node:
                role, sep, _ = str(node.get("name", "")).partition(": ")
                if sep and role in ROLES_BY_TITLE:
                    node = {**node, "name": None, "role": ROLES_BY_TITLE[role]}
            nodes.append(node)
        return {**data, "nodes": nodes}

    @property
    def texts(self) -> list[TextBlock]:
        return [n for n in self.nodes if isinstance(n, TextBlock)]

    def with_texts(self, texts: Mapping[str, str], fit: Callable[[TextBlock, str], TextBlock] | None = None
                   ) -> Scene:
        """A new scene whose text blocks show ``texts`` (by block id; the others unchanged).

        ``fit`` sets a block with its new text: :func:`layerize.translate.translate` passes one that
        refits it into its box (size, wrapping, a face for its script). Without it each block takes the
        text as it is (:meth:`TextBlock.with_text`). KeyError for an id that is no text block.
        """
        unknown = sorted(set(texts) - {block.id for block in self.texts})
        if unknown:
            raise KeyError(f"the scene has no text block {unknown[0]!r}")
        place = fit or (lambda block, text: block.with_text(text))
        nodes = [place(node, texts[node.id]) if isinstance(node, TextBlock) and node.id in texts else node
                 for node in self.nodes]
        return self.model_copy(update={"nodes": nodes, "metadata": copy.deepcopy(self.metadata)})

    def to_json(self) -> str:
        """The scene as JSON text (stable key order, no trailing whitespace)."""
        return json.dumps(self.model_dump(mode="json"), indent=1, ensure_ascii=False) + "\n"

    @model_validator(mode="after")
    def _within_limits(self, info: ValidationInfo) -> Scene:
        limit = int((info.context or {}).get("max_pixels", MAX_IMAGE_PIXELS))
        if self.canvas.width * self.canvas.height > limit:
            raise ValueError(f"the canvas is {self.canvas.width}x{self.canvas.height} pixels, above the limit of "
                             f"{limit}")
        return self

    @classmethod
    def from_json(cls, text: str | bytes, base_dir: Path | str = ".", max_pixels: int = MAX_IMAGE_PIXELS) -> Scene:
        """Parse JSON text; image paths resolve inside ``base_dir``; no canvas or image beyond ``max_pixels``."""
        return cls.model_validate_json(text, context={"base_dir": str(base_dir), "max_pixels": max_pixels})

    def save(self, path: Path | str) -> None:
        """Write the scene as JSON, atomically."""
        atomic_write_bytes(Path(path), self.to_json().encode("utf-8"))

    @classmethod
    def load(cls, path: Path | str, max_pixels: int = MAX_IMAGE_PIXELS) -> Scene:
        """Read a scene file (UTF-8, a byte-order mark allowed, at most :data:`MAX_SCENE_BYTES`)."""
        path = Path(path)
        with open(path, "rb") as f:
            data = f.read(MAX_SCENE_BYTES + 1)
        if len(data) > MAX_SCENE_BYTES:
            raise ValueError(f"the scene file is larger than {MAX_SCENE_BYTES // 2**20} MiB")
        text = data.decode("utf-8-sig")
        return cls.from_json(text, base_dir=path.parent, max_pixels=max_pixels)

    def features(self) -> dict[str, list[str]]:
        """The optional features (:data:`~layerize.scene.features.FEATURES`) the nodes use, with their ids."""
        return scene_features(self.nodes)

    def losses(self, path: Path | str, exporter: Any) -> dict[str, list[str]]:
        """The features this scene uses that ``exporter`` cannot carry, logged as one warning about ``path``."""
        cannot = getattr(exporter, "cannot_carry", {})
        lost = {f: ids for f, ids in self.features().items() if f in cannot}
        if lost:
            log.warning("%s: %s cannot carry %s", path, exporter.name, "; ".join(
                f"{FEATURES[f]} ({', '.join(ids)}): {cannot[f]}" for f, ids in lost.items()))
        return lost

    def export(self, path: Path | str, format: str | None = None, config: Any = None) -> Path:
        """Write this scene to ``path`` atomically with the exporter for ``format`` (default: the extension).

        ``config`` is the :class:`~layerize.config.ExportConfig` (default: the
        defaults). Features the format cannot carry are logged as one warning.
        """
        path = Path(path)
        exporter = EXPORTERS.create(format_for(path, format), config)
        self.losses(path, exporter)
        with atomic_path(path) as tmp:
            exporter.write(self, tmp)
        return path


def json_schema() -> dict[str, Any]:
    """The published JSON Schema of the scene graph."""
    schema = Scene.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema

