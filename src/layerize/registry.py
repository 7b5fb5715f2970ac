"""The engine registries: one per pluggable stage, all filled the same way.

Every engine, built-in or third-party, is an entry point of its stage's group
(built-ins are declared in layerize's own ``pyproject.toml``)::

    [project.entry-points."layerize.inpainters"]
    mine = "my_package.inpaint:MyInpainter"

An engine factory (usually its class) is called with the stage's config
section (:class:`~layerize.config.OcrConfig`, ``InpaintConfig``,
``ObjectsConfig`` or ``ExportConfig``) and returns an engine with a ``name``.
Wherever a stage takes an engine it takes a name or an instance.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from .errors import EngineError

if TYPE_CHECKING:  # the engines' interfaces, for type checkers only: the registries import no stage
    from .export.exporter import Exporter
    from .inpaint import Inpainter
    from .objects import Segmenter
    from .text.ocr import OcrEngine

T = TypeVar("T")


class Registry(Generic[T]):
    """Engines of one kind by name, from the entry points of ``group``; imported only when asked for."""

    def __init__(self, kind: str, group: str) -> None:
        self.kind = kind
        self.group = group
        self._loaded: dict[str, Callable[..., T]] = {}

    def _entry_points(self) -> dict[str, EntryPoint]:
        return {ep.name: ep for ep in entry_points(group=self.group)}

    def names(self) -> list[str]:
        return sorted(self._entry_points())

    def factory(self, name: str) -> Callable[..., T]:
        """The factory registered as ``name``; EngineError naming the choices when there is none."""
        if name not in self._loaded:
            ep = self._entry_points().get(name)
            if ep is None:
                raise EngineError(f"unknown {self.kind} {name!r}; available: {', '.join(self.names()) or 'none'}")
            try:
                self._loaded[name] = ep.load()
            except ImportError as exc:
                raise EngineError(f"{self.kind} {name!r} cannot be loaded: {exc}") from exc
        return self._loaded[name]

    def create(self, spec: str | T, config: Any = None) -> T:
        """An engine: ``spec`` itself when it is one already, else the factory ``spec`` called with ``config``."""
        if not isinstance(spec, str):
            return spec
        factory = self.factory(spec)
        return factory() if config is None else factory(config)


OCR_ENGINES: Registry[OcrEngine] = Registry("OCR engine", "layerize.ocr_engines")
SEGMENTERS: Registry[Segmenter] = Registry("segmenter", "layerize.segmenters")
INPAINTERS: Registry[Inpainter] = Registry("inpainter", "layerize.inpainters")
EXPORTERS: Registry[Exporter] = Registry("exporter", "layerize.exporters")


def format_for(path: Path | str, format: str | None = None) -> str:
    """The exporter name for ``path``: ``format`` if given, else the one claiming its extension."""
    if format:
        EXPORTERS.factory(format)
        return format
    ext = Path(path).suffix.lower().lstrip(".")
    if not ext:
        raise EngineError(f"{path}: no file extension; name the format (one of {', '.join(EXPORTERS.names())})")
    for name in EXPORTERS.names():
        if name == ext or ext in getattr(EXPORTERS.factory(name), "extensions", ()):
            return name
    raise EngineError(f"{path}: no exporter writes .{ext} files (available: {', '.join(EXPORTERS.names())})")
