"""The exporter registry and the one function that writes a scene to a file.

Exporters are discovered through the ``layerize.exporters`` entry-point group.
Each is a class whose instances have a ``name``, the file ``extensions`` it
writes and a ``write(scene, path)`` method; :func:`export` gives it a temporary
path and moves the finished file into place, so no partial output survives.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from .errors import EngineError
from .files import atomic_path
from .registry import Registry
from .scene import Scene


@runtime_checkable
class Exporter(Protocol):
    name: str
    extensions: tuple[str, ...]

    def write(self, scene: Scene, path: Path) -> None:
        """Write ``scene`` to ``path`` (a fresh temporary file)."""


EXPORTERS: Registry[Exporter] = Registry("exporter", group="layerize.exporters")


def format_for(path: Path | str, format: str | None = None) -> str:
    """The exporter name for ``path``: ``format`` if given, else the one claiming its extension."""
    if format:
        EXPORTERS.factory(format)
        return format
    ext = Path(path).suffix.lower().lstrip(".")
    if not ext:
        raise EngineError(f"{path}: no file extension; name the format (one of {', '.join(EXPORTERS.names())})")
    if ext in EXPORTERS.names():
        return ext
    for name in EXPORTERS.names():
        if ext in getattr(EXPORTERS.factory(name), "extensions", ()):
            return name
    raise EngineError(f"{path}: no exporter writes .{ext} files (available: {', '.join(EXPORTERS.names())})")


def export(scene: Scene, path: Path | str, format: str | None = None, **options: Any) -> Path:
    """Write ``scene`` to ``path`` atomically with the exporter for its format."""
    path = Path(path)
    exporter = EXPORTERS.create(format_for(path, format), **options)
    with atomic_path(path) as tmp:
        exporter.write(scene, tmp)
    return path
