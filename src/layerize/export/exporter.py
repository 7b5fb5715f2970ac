"""What an exporter is: the interface every format's writer (built-in or third-party) implements."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Protocol, runtime_checkable

from PIL import Image

from ..scene import Scene


@runtime_checkable
class Exporter(Protocol):
    """Writes a scene to one file format.

    ``cannot_carry`` maps each feature of :data:`layerize.scene.FEATURES` the
    format cannot hold to what the file shows instead; every other feature a
    scene uses must reach the file (the conformance test checks it).
    """

    name: str
    extensions: tuple[str, ...]
    cannot_carry: Mapping[str, str]

    def write(self, scene: Scene, path: Path) -> None:
        """Write ``scene`` to ``path`` (a fresh temporary file)."""


@runtime_checkable
class Previewer(Protocol):
    """An exporter that can have its file drawn again by an independent reader (for fidelity)."""

    slow_preview: bool

    def preview(self, path: Path) -> Image.Image | None:
        """The file as a reader draws it; None when the reader is not installed."""
