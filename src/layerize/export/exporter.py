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


@runtime_checkable
class Describer(Protocol):
    """An exporter that can say what a file it wrote holds (the command line's summary shows it)."""

    def describe(self, path: Path) -> str:
        """What the file at ``path`` holds, in a few words (``3 texts, 1 picture, ...``)."""


def byte_size(count: int) -> str:
    """A size in bytes as people read it: ``512 B``, ``182.4 KiB``, ``3.1 MiB``."""
    if count < 1024:
        return f"{count} B"
    if count < 1024 * 1024:
        return f"{count / 1024:.1f} KiB"
    return f"{count / (1024 * 1024):.1f} MiB"
